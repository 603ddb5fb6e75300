// Package tui is devsh's Bubble Tea program: the model, its sub-models
// (query input, results, packages panel, details line, index build, write
// queue), keymap, styles and views. It imports no project code but
// nixsearch's Package and NixError types (a package's fields; nix's whole
// message under a failed build) and internal/termtext (the sanitiser for
// text from nix and the project): everything it needs from the project and the
// index comes through the Backend interface, which cmd/devsh implements over
// packages devshell and nixsearch (and tests implement in memory).
//
// Every Backend call runs in a tea.Cmd, never in Update or View; each
// answer is a typed message, and an answer stamped with an old sequence
// number is dropped. The messages and who handles them:
//
//	tea.WindowSizeMsg        → layout (by width and height; below 40×10 "terminal too small")
//	tea.KeyMsg               → updateKey: global keys, then the focused area's (results or panel)
//	loadedMsg, resolvedMsg,
//	indexOpenedMsg           → applyLoad: the start-up steps (packages, nixpkgs, cached index),
//	                           all after the first frame
//	warningMsg               → the status line (e.g. devshell.toml not tracked by git)
//	statusFadeMsg            → a note leaves the status line after noteFade
//	packagesMsg              → the panel, after a write (seq: latest write only)
//	searchResultMsg          → the results (seq: latest query only)
//	opDoneMsg                → writeQueue: the write finished; the next queued one starts
//	buildProgressMsg,
//	buildTickMsg,
//	buildDoneMsg             → the index sub-model (seq: current build only); a grown partial
//	                           index is searched again
//	metaWantMsg, metaMsg     → the details line, once the selection rests
//
// Writes (add, remove, undo, sync) go through the write queue one at a time,
// in the order asked; quitting waits for the queue, then syncs .envrc when
// something changed (a second ctrl+c quits at once).
package tui
