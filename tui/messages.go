package tui

import "time"

// The first load comes in three steps, each started when the one before
// has answered: loadedMsg (the project and its packages, file reads only),
// resolvedMsg (which nixpkgs) and indexOpenedMsg (the cached index and the
// empty query's results). A quick load is applied before the first frame
// (Model.preload); a slow step lands after it, with the status saying what
// is under way. warningMsg comes beside them.

// loadedMsg carries the project and its packages.
type loadedMsg struct {
	project  ProjectInfo
	packages []Installed
	pkgErr   error
}

// resolvedMsg carries the label of the nixpkgs searched, or why it could
// not be found.
type resolvedMsg struct {
	source string
	err    error
}

// indexOpenedMsg carries the cached index and, when it is usable, the
// results of the empty query.
type indexOpenedMsg struct {
	index     IndexInfo
	indexErr  error
	results   Results
	searchErr error
	searched  bool
}

// warningMsg carries Backend.Warning's remark ("" for none).
type warningMsg struct {
	text string
}

// statusFadeMsg clears the note numbered seq from the status line, unless
// another message has replaced it.
type statusFadeMsg struct {
	seq int
}

// packagesMsg is a re-read of devshell.toml's packages. Only the one whose
// seq matches the model's latest write is applied.
type packagesMsg struct {
	seq  int
	pkgs []Installed
	err  error
}

// twinsMsg is the answer to the ask for twins numbered seq (Model.askTwins).
type twinsMsg struct {
	seq   int
	twins map[string][]string
	err   error
}

// searchResultMsg is the answer to the search numbered seq; an answer for an
// older query is dropped.
type searchResultMsg struct {
	seq int
	res Results
	err error
}

// opKind says what a queued write does.
type opKind int

const (
	opToggle opKind = iota
	opRemove
	opUndo
	opSync
)

// op is one queued write. Writes run one at a time, in order; the decision
// add-or-remove is taken when the op starts, from the state every earlier
// write left.
type op struct {
	kind opKind
	attr string
	// quit ends the program once this op is done.
	quit bool
}

// opDoneMsg reports the end of the running write.
type opDoneMsg struct {
	op op
	// change is what a toggle did or, when it failed, what it asked for.
	change Change
	sync   string
	err    error
}

// buildProgressMsg reports the progress of the index build numbered seq:
// the evaluated attributes, the packages already searchable, the expected
// package count.
type buildProgressMsg struct {
	seq       int
	evaluated int
	indexed   int
	expected  int
	at        time.Time
}

// buildDoneMsg ends the index build numbered seq.
type buildDoneMsg struct {
	seq  int
	info IndexInfo
	err  error
	at   time.Time
}

// buildTickMsg refreshes the elapsed time of the index build numbered seq.
type buildTickMsg struct {
	seq int
	at  time.Time
}

// metaWantMsg asks for the metadata of the selection numbered seq, once the
// selection has rested for metaDelay.
type metaWantMsg struct {
	seq int
}

// metaMsg carries the metadata of attr.
type metaMsg struct {
	attr string
	meta Meta
	err  error
}
