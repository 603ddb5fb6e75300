// Package tui is devsh's Bubble Tea program: models, keymap, styles and
// views. It talks to the project and the index only through the exported
// APIs of packages devshell and nixsearch.
package tui
