package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/devsh/devsh/nixsearch"
)

// focusArea says which list receives movement and enter.
type focusArea int

const (
	focusResults focusArea = iota
	focusPanel
)

// ModelOptions are the dependencies of a Model besides the Backend.
type ModelOptions struct {
	// Styles are the styles to render with; see NewStyles.
	Styles Styles
	// Keys is the key map; the zero value means DefaultKeyMap().
	Keys *KeyMap
	// Clock returns the current time, for the build's elapsed time; nil
	// means time.Now.
	Clock func() time.Time
	// Tick returns a Cmd that sends fn's message after d; nil means
	// tea.Tick. Tests pass a function that fires at once, or never.
	Tick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
}

// Result is what a finished session did.
type Result struct {
	// Changes lists the devshell.toml edits of the session, in order,
	// without the undone ones.
	Changes []Change
	// Sync is the summary of the last .envrc sync, "" when none ran.
	Sync string
	// SyncErr is the error of the sync run on quit, if it failed or was
	// interrupted.
	SyncErr error
}

// Model is the root Bubble Tea model of devsh's TUI. Every call to the
// Backend runs in a tea.Cmd; Update only records answers and View renders
// only what is visible.
type Model struct {
	ctx     context.Context
	backend Backend
	keys    KeyMap
	styles  Styles
	clock   func() time.Time
	tick    func(time.Duration, func(time.Time) tea.Msg) tea.Cmd

	width, height int
	focus         focusArea

	project ProjectInfo
	// warning is Backend.Warning's remark, shown when no other status is.
	warning string
	input   inputModel

	searchSeq    int
	searchCancel context.CancelFunc
	// descriptions: the query searches descriptions, not names (toggled
	// by KeyMap.Descriptions).
	descriptions bool

	results resultsModel
	panel   panelModel
	pkgSeq  int
	// twins are the other names of devshell.toml's packages' derivations
	// (Backend.Twins), both ways; twinSeq numbers the asks, so that only
	// the latest is applied.
	twins   map[string][]string
	twinSeq int
	detail  detailModel
	index   indexModel
	help    help.Model
	status  statusModel
	// statusSeq numbers the notes shown, so that a note's fade timer
	// clears only that note.
	statusSeq int

	// writes runs the devshell.toml and .envrc writes, one at a time.
	writes  writeQueue
	history []Change
	dirty   bool // devshell.toml changed since the last sync

	quitting bool
	result   Result

	// init is the Cmd of Init: the first load, or waiting for a load that
	// Run started before the program.
	init tea.Cmd
}

// NewModel returns a model that talks to b. ctx bounds every Backend call;
// cancelling it stops searches and the index build.
func NewModel(ctx context.Context, b Backend, opts ModelOptions) Model {
	keys := DefaultKeyMap()
	if opts.Keys != nil {
		keys = *opts.Keys
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	tick := opts.Tick
	if tick == nil {
		tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd { return tea.Tick(d, fn) }
	}
	h := help.New()
	h.Styles = opts.Styles.Help
	m := Model{
		ctx:     ctx,
		backend: b,
		keys:    keys,
		styles:  opts.Styles,
		clock:   clock,
		tick:    tick,
		input:   newInputModel(),
		detail:  newDetailModel(),
		help:    h,
		status:  statusInfo("loading…"),
	}
	m.init = loadCmd(ctx, b)
	return m
}

// Init starts the first load.
func (m Model) Init() tea.Cmd {
	return m.init
}

// Result returns what the session did; read it from the final model.
func (m Model) Result() Result {
	r := m.result
	r.Changes = m.Changes()
	return r
}

// Changes returns the devshell.toml edits of the session, in order,
// without the undone ones (and without the bytes kept for undo).
func (m Model) Changes() []Change {
	out := slices.Clone(m.history)
	for i := range out {
		out[i].Bytes = nil
	}
	return out
}

// Update handles one message. A note that appears on the status line
// fades after noteFade.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	before := m.status
	nm, cmd := m.update(msg)
	if nm.status != before && nm.status.fades {
		nm.statusSeq++
		seq := nm.statusSeq
		cmd = tea.Batch(cmd, nm.tick(noteFade, func(time.Time) tea.Msg { return statusFadeMsg{seq: seq} }))
	}
	return nm, cmd
}

// noteFade is how long a note ("nothing to undo", "+ cargo-edit added")
// stays on the status line: long enough to read twice.
const noteFade = 4 * time.Second

// update handles one message for Update.
func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m.layout(), nil
	case tea.KeyMsg:
		return m.updateKey(msg)
	case loadedMsg, resolvedMsg, indexOpenedMsg:
		m, next, other := m.applyLoad(msg)
		return m, tea.Batch(next, other)
	case warningMsg:
		m.warning = msg.text
		if msg.text != "" && !m.status.isErr {
			m.status = statusError(msg.text)
		}
		return m, nil
	case statusFadeMsg:
		if msg.seq == m.statusSeq && m.status.fades {
			m.status = m.restingStatus()
		}
		return m, nil
	case packagesMsg:
		if msg.seq != m.pkgSeq {
			return m, nil
		}
		m.panel = m.panel.SetErr(msg.err)
		if errors.Is(msg.err, ErrNoTOML) {
			// Gone (an undo deleted the file its add created): no
			// packages, and the panel says so; the status keeps saying why.
			msg.pkgs, msg.err = nil, nil
		}
		if msg.err != nil {
			m.status = statusError(fmt.Sprintf("reading packages: %v", msg.err))
			return m, nil
		}
		m.panel = m.panel.SetItems(msg.pkgs)
		m = m.showInstalledOnEmptyQuery()
		m, twins := m.askTwins()
		m, sel := m.selectionChanged()
		return m, tea.Batch(twins, sel)
	case twinsMsg:
		if msg.seq != m.twinSeq || msg.err != nil {
			// An older ask, or nix could not tell: the rows keep the
			// names they have (an add of a twin still changes nothing
			// when the backend knows it).
			return m, nil
		}
		m.twins = msg.twins
		m.results = m.results.WithTwins(m.twins)
		return m.selectionChanged()
	case searchResultMsg:
		if msg.seq != m.searchSeq {
			return m, nil // an older query's answer
		}
		if msg.err != nil {
			if !errors.Is(msg.err, context.Canceled) {
				m.status = statusError(fmt.Sprintf("search: %v", msg.err))
			}
			return m, nil
		}
		m.results = m.results.SetResults(msg.res).WithTwins(m.twins)
		m = m.showInstalledOnEmptyQuery()
		return m.selectionChanged()
	case opDoneMsg:
		return m.opDone(msg)
	case buildProgressMsg:
		if !m.index.current(msg.seq) {
			return m, nil
		}
		var grew bool
		m.index, grew = m.index.progressed(msg)
		listen := listenProgressCmd(m.index.pipe, msg.seq, m.clock)
		if grew {
			// More of the index is searchable: search it again.
			m = m.layout()
			m, search := m.querySet()
			return m, tea.Batch(listen, search)
		}
		return m, listen
	case buildTickMsg:
		if !m.index.current(msg.seq) {
			return m, nil
		}
		m.index = m.index.ticked(msg.at)
		return m, m.buildTick()
	case buildDoneMsg:
		return m.buildDone(msg)
	case metaWantMsg:
		if msg.seq != m.detail.seq {
			return m, nil
		}
		return m.startMeta()
	case metaMsg:
		m.detail = m.detail.Done(msg)
		return m.startMeta()
	}
	return m, nil
}

// updateKey handles a key press: the keys that work everywhere first,
// then the focused area's own (updatePanelKey, updateResultsKey), so that
// enter is "add/remove" in the results and "remove" in the panel and the
// two bindings never compete.
func (m Model) updateKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case m.quitting:
		return m, nil
	case m.help.ShowAll && (key.Matches(msg, k.Clear) || key.Matches(msg, k.Help)):
		// esc closes the help before it clears the query or quits.
		m.help.ShowAll = false
		return m.layout(), nil
	case key.Matches(msg, k.Help):
		m.help.ShowAll = true
		return m.layout(), nil
	case key.Matches(msg, k.Focus):
		if m.focus == focusResults {
			m.focus = focusPanel
		} else {
			m.focus = focusResults
		}
		return m.selectionChanged()
	case key.Matches(msg, k.Undo):
		return m.enqueue(op{kind: opUndo})
	case key.Matches(msg, k.Descriptions):
		m.descriptions = !m.descriptions
		m.status = statusNote("searching names")
		label := "descriptions" // what the key switches to
		if m.descriptions {
			m.status = statusNote("searching descriptions")
			label = "names"
		}
		m.keys.Descriptions.SetHelp(m.keys.Descriptions.Help().Key, label)
		return m.querySet()
	case key.Matches(msg, k.Rebuild):
		return m.startBuild()
	case key.Matches(msg, k.Sync):
		return m.enqueue(op{kind: opSync})
	}
	if m.focus == focusPanel {
		return m.updatePanelKey(msg)
	}
	return m.updateResultsKey(msg)
}

// updatePanelKey handles a key of the packages panel: remove, move, esc
// back to the results; any other key edits the query, back in the results.
func (m Model) updatePanelKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Clear):
		m.focus = focusResults
		return m.selectionChanged()
	case key.Matches(msg, k.Remove):
		it, ok := m.panel.Selected()
		if !ok {
			m.status = statusNote("nothing to remove: " + m.panel.emptyText())
			return m, nil
		}
		if it.FromCommand {
			m.status = commandPackageStatus(it.Attr)
			return m, nil
		}
		return m.enqueue(op{kind: opRemove, attr: it.Attr})
	}
	var moved bool
	if m.panel, moved = m.panel.Update(msg, k); moved {
		return m.selectionChanged()
	}
	m.focus = focusResults
	return m.updateResultsKey(msg)
}

// updateResultsKey handles a key of the results: add/remove, move, edit
// the query; esc clears the query, and on an empty one quits.
func (m Model) updateResultsKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Clear):
		if m.input.Value() != "" {
			m.input = m.input.Reset()
			return m.querySet()
		}
		return m.quit()
	case key.Matches(msg, k.Toggle):
		row, ok := m.results.Selected()
		if !ok {
			m.status = statusNote(m.nothingToToggle())
			return m, nil
		}
		// Installed under another name (an alias set): that one toggles.
		attr := rowInstalledName(m.panel.Installed(), row)
		if it, ok := m.panel.find(attr); ok && it.FromCommand {
			m.status = commandPackageStatus(it.Attr)
			return m, nil
		}
		return m.enqueue(op{kind: opToggle, attr: attr})
	}
	var moved bool
	if m.results, moved = m.results.Update(msg, k); moved {
		return m.selectionChanged()
	}
	before := m.input.Value()
	m.input = m.input.Update(msg)
	if m.input.Value() == before {
		return m, nil
	}
	return m.querySet()
}

// nothingToToggle says why enter in the results did nothing.
func (m Model) nothingToToggle() string {
	switch {
	case !m.index.searchable() && m.index.building:
		return "the index is still being built: enter adds a package once results show"
	case !m.index.searchable():
		return "no package index to add from: " + m.emptyText()
	case m.input.Value() == "":
		return "type a package name first"
	default:
		return "no result to add"
	}
}

// querySet starts a search for the changed query, cancelling the previous
// one, when there is an index to search.
func (m Model) querySet() (Model, tea.Cmd) {
	if !m.index.searchable() {
		return m, nil
	}
	return m.search()
}

// search dispatches a search for the query, numbered by a new seq.
func (m Model) search() (Model, tea.Cmd) {
	if m.searchCancel != nil {
		m.searchCancel()
	}
	m.searchSeq++
	ctx, cancel := context.WithCancel(m.ctx)
	m.searchCancel = cancel
	return m, searchCmd(ctx, m.backend, m.input.Value(), m.descriptions, m.searchSeq)
}

// applyLoad records the answer of a first-load step. next is the Cmd of
// the following step (nil after the last); other holds the Cmds the answer
// asks for besides (a build, a search, the metadata timer).
func (m Model) applyLoad(msg tea.Msg) (_ Model, next, other tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		m.project = msg.project
		m.panel = m.panel.SetErr(msg.pkgErr)
		if msg.pkgErr == nil {
			m.panel = m.panel.SetItems(msg.packages)
		}
		m.status = statusInfo("resolving nixpkgs…")
		m, sel := m.layout().selectionChanged()
		return m, resolveCmd(m.ctx, m.backend), tea.Batch(warningCmd(m.ctx, m.backend), sel)
	case resolvedMsg:
		// On an error too the index is opened: without nix, the index the
		// project used before may still be there to search.
		m.project.Source = msg.source
		m.status = statusInfo("opening the index…")
		if msg.err != nil {
			m.status = statusError(indexErrorText(msg.err))
		}
		return m, openIndexCmd(m.ctx, m.backend), nil
	case indexOpenedMsg:
		m, cmd := m.applyIndexOpened(msg)
		return m, nil, cmd
	}
	return m, nil, nil
}

// applyIndexOpened records the cached index and the empty query's results.
func (m Model) applyIndexOpened(msg indexOpenedMsg) (Model, tea.Cmd) {
	m.status = m.restingStatus()
	m.index = m.index.setOpened(msg.index, msg.indexErr)
	var cmds []tea.Cmd
	switch {
	case msg.indexErr != nil:
		m.status = statusError(indexErrorText(msg.indexErr))
		m.detail.disabled = errors.Is(msg.indexErr, ErrNixMissing)
	case msg.index.Missing || msg.index.Stale:
		var cmd tea.Cmd
		m, cmd = m.startBuild()
		cmds = append(cmds, cmd)
	}
	if msg.searched && msg.searchErr == nil && m.input.Value() == "" {
		m = m.showInstalledOnEmptyQuery()
	} else if m.index.searchable() {
		var cmd tea.Cmd
		m, cmd = m.querySet()
		cmds = append(cmds, cmd)
	}
	if msg.searchErr != nil {
		m.status = statusError(fmt.Sprintf("search: %v", msg.searchErr))
	}
	if m.index.searchable() {
		// The panel shows the index's versions and descriptions.
		var cmd tea.Cmd
		m, cmd = m.rereadPackages()
		cmds = append(cmds, cmd)
	}
	m = m.layout()
	m, cmd := m.selectionChanged()
	cmds = append(cmds, cmd)
	return m, tea.Batch(cmds...)
}

// showInstalledOnEmptyQuery makes the results of the empty query the
// packages of devshell.toml, with the index's versions and descriptions:
// the first screen shows what the shell has, not the index's first names
// (with none, the results say how to search).
func (m Model) showInstalledOnEmptyQuery() Model {
	if m.input.Value() != "" || !m.index.searchable() {
		return m
	}
	rows := make([]Row, 0, len(m.panel.items))
	for _, it := range m.panel.items {
		rows = append(rows, Row{Pkg: nixsearch.Package{Attr: it.Attr, Version: it.Version, Description: it.Description}})
	}
	m.results = m.results.SetResults(Results{Total: len(rows), Rows: rows})
	return m
}

// restingStatus is the status line when nothing is under way: the
// project's warning, or nothing.
func (m Model) restingStatus() statusModel {
	if m.warning != "" {
		return statusError(m.warning)
	}
	return statusModel{}
}

// commandPackageStatus says why a package that a [[commands]] entry brings
// in is not removed.
func commandPackageStatus(attr string) statusModel {
	return statusError(attr + " comes from a [[commands]] entry; edit devshell.toml to remove it")
}

// indexErrorText is the status line for an index failure.
func indexErrorText(err error) string {
	if errors.Is(err, ErrNixMissing) {
		return "nix not found: search is off; tab to manage devshell.toml packages"
	}
	return fmt.Sprintf("index: %v", err)
}

// startBuild starts building the index in the background, unless a build
// is running.
func (m Model) startBuild() (Model, tea.Cmd) {
	if m.index.building {
		m.status = statusNote("the index is already being built")
		return m, nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.index = m.index.started(m.clock(), cancel)
	m = m.layout()
	return m, tea.Batch(
		buildCmd(ctx, m.backend, m.index.pipe, m.index.seq, m.clock),
		listenProgressCmd(m.index.pipe, m.index.seq, m.clock),
		m.buildTick(),
	)
}

// buildTickInterval refreshes the elapsed time of a build once a second,
// the precision it is shown with.
const buildTickInterval = time.Second

func (m Model) buildTick() tea.Cmd {
	seq := m.index.seq
	return m.tick(buildTickInterval, func(t time.Time) tea.Msg { return buildTickMsg{seq: seq, at: t} })
}

// buildDone records the end of an index build.
func (m Model) buildDone(msg buildDoneMsg) (Model, tea.Cmd) {
	if !m.index.current(msg.seq) {
		return m, nil
	}
	var wasPartial bool
	m.index, wasPartial = m.index.done(msg)
	if msg.err != nil {
		m.status = statusError(indexErrorText(msg.err))
		if wasPartial {
			// The backend dropped the part it had built.
			m.results = m.results.SetResults(Results{Query: m.input.Value()})
		}
		if errors.Is(msg.err, ErrNixMissing) && !m.index.searchable() {
			m.detail.disabled = true
		}
		return m.layout(), nil
	}
	m.detail.disabled = false
	m.status = statusNote(fmt.Sprintf("index built: %s packages in %s",
		tuiThousands(msg.info.Count), statusDuration(msg.at.Sub(m.index.start))))
	m = m.layout()
	m, reread := m.rereadPackages()
	m, cmd := m.search()
	return m, tea.Batch(cmd, reread)
}

// rereadPackages re-reads devshell.toml's packages, e.g. once the index
// can tell their versions and descriptions.
func (m Model) rereadPackages() (Model, tea.Cmd) {
	m.pkgSeq++
	return m, packagesCmd(m.ctx, m.backend, m.pkgSeq)
}

// askTwins asks the backend, once the index is searchable, for the other
// names of the packages the panel lists (python313 for python3), so that
// their rows show installed.
func (m Model) askTwins() (Model, tea.Cmd) {
	if !m.index.searchable() {
		return m, nil
	}
	names := slices.Sorted(maps.Keys(m.panel.Installed()))
	m.twinSeq++
	return m, twinsCmd(m.ctx, m.backend, names, m.twinSeq)
}

// enqueue adds a write and starts it when none is running.
func (m Model) enqueue(o op) (Model, tea.Cmd) {
	m.writes = m.writes.push(o)
	return m.startOp()
}

// startOp starts the next queued write, if none is running.
func (m Model) startOp() (Model, tea.Cmd) {
	for {
		var (
			o  op
			ok bool
		)
		if m.writes, o, ok = m.writes.next(); !ok {
			break
		}
		installed := m.panel.Installed()
		var (
			attr string
			add  bool
		)
		switch o.kind {
		case opToggle:
			attr, add = o.attr, !installed[o.attr]
		case opRemove:
			if !installed[o.attr] {
				continue
			}
			attr = o.attr
		case opUndo:
			if len(m.history) == 0 {
				m.status = statusNote("nothing to undo")
				continue
			}
			last := m.history[len(m.history)-1]
			b := m.backend
			return m.runOp(o, func(ctx context.Context) opDoneMsg {
				c, err := b.Undo(ctx, last)
				switch {
				case err != nil:
					c = Change{Attr: last.Attr, Added: !last.Added}
				case c.Attr == "":
					c.Attr, c.Added = last.Attr, !last.Added
				}
				return opDoneMsg{op: o, change: c, err: err}
			})
		case opSync:
			if o.quit && !m.dirty {
				return m, tea.Quit
			}
			m.status = statusInfo("syncing .envrc and direnv…")
			return m.runOp(o, func(ctx context.Context) opDoneMsg {
				s, err := m.backend.Sync(ctx)
				return opDoneMsg{op: o, sync: s, err: err}
			})
		}
		b := m.backend
		return m.runOp(o, func(ctx context.Context) opDoneMsg {
			edit := b.Remove
			if add {
				edit = b.Add
			}
			c, err := edit(ctx, attr)
			switch {
			case err != nil:
				c = Change{Attr: attr, Added: add} // what was asked, for the error line
			case c.Attr == "":
				c.Attr, c.Added = attr, add
			}
			return opDoneMsg{op: o, change: c, err: err}
		})
	}
	return m, nil
}

// running reports whether a write runs.
func (m Model) running() bool { return m.writes.running() }

// runOp marks a write running and returns its Cmd.
func (m Model) runOp(o op, run func(ctx context.Context) opDoneMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.writes, cmd = m.writes.run(m.ctx, run)
	return m, cmd
}

// opDone records the end of a write and starts the next one.
func (m Model) opDone(msg opDoneMsg) (Model, tea.Cmd) {
	m.writes = m.writes.finished()
	var cmds []tea.Cmd
	switch msg.op.kind {
	case opSync:
		if msg.err != nil {
			m.status = statusError(fmt.Sprintf("sync: %v", msg.err))
		} else {
			m.dirty = false
			m.status = statusNote(msg.sync)
			m.result.Sync = msg.sync
		}
		if msg.op.quit {
			m.result.SyncErr = msg.err
			return m, tea.Quit
		}
	default:
		c := msg.change
		if msg.err != nil {
			verb := "removing"
			if c.Added {
				verb = "adding"
			}
			m.status = statusError(fmt.Sprintf("%s %s: %v", verb, c.Attr, msg.err))
			break
		}
		m.pkgSeq++
		cmds = append(cmds, packagesCmd(m.ctx, m.backend, m.pkgSeq))
		if c.Unchanged {
			// Someone else edited the file: the re-read shows it.
			m.status = statusNote(c.String())
			break
		}
		if msg.op.kind == opUndo {
			m.history = m.history[:len(m.history)-1]
			m.status = statusNote(undoText(c))
		} else {
			m.history = append(slices.Clone(m.history), c)
			m.status = statusNote(c.String())
		}
		m.dirty = true
		m.panel = m.panel.SetItems(panelApply(m.panel.items, c))
		m = m.showInstalledOnEmptyQuery()
	}
	m, cmd := m.startOp()
	cmds = append(cmds, cmd)
	if !m.running() && m.quitting {
		// The last write before quitting is done: sync, then quit.
		m.quitting = false
		var qcmd tea.Cmd
		m, qcmd = m.quit()
		cmds = append(cmds, qcmd)
	}
	m, scmd := m.selectionChanged()
	cmds = append(cmds, scmd)
	return m, tea.Batch(cmds...)
}

// undoText reads an undo forwards: "restored cargo-watch", "removed
// cargo-watch again", saying so when that deleted the devshell.toml the add
// had created, and when the file had changed since and the inverse edit
// went on top of the new content.
func undoText(c Change) string {
	attr := tuiSanitize(c.Attr)
	text := "removed " + attr + " again"
	if c.Added {
		text = "restored " + attr
	}
	if c.FileGone {
		text += "; devshell.toml, which the add created, is gone"
	}
	if !c.Exact {
		text += " (devshell.toml had changed since: "
		if c.Added {
			text += "added back at the end of the list)"
		} else {
			text += "only its entry was removed)"
		}
	}
	return text
}

// panelApply returns items with the change applied: an add is appended,
// a remove deletes the package.
func panelApply(items []Installed, c Change) []Installed {
	out := make([]Installed, 0, len(items)+1)
	found := false
	for _, it := range items {
		if it.Attr == c.Attr {
			found = true
			if !c.Added {
				continue
			}
		}
		out = append(out, it)
	}
	if c.Added && !found {
		out = append(out, Installed{Attr: c.Attr})
	}
	return out
}

// quit ends the session: the queued writes finish, then .envrc is synced
// when devshell.toml changed, then the program quits. Asked again while
// that runs, it cancels the running write and quits at once.
func (m Model) quit() (Model, tea.Cmd) {
	if m.quitting {
		m.writes.interrupt()
		if m.dirty && m.result.SyncErr == nil {
			m.result.SyncErr = errors.New("quit before the .envrc sync finished; run devsh sync")
		}
		return m, tea.Quit
	}
	m.quitting = true
	if m.searchCancel != nil {
		m.searchCancel()
	}
	m.index.stop()
	if m.running() {
		m.status = statusInfo("finishing writes… (ctrl+c again to quit now)")
		return m, nil
	}
	if !m.dirty {
		return m, tea.Quit
	}
	m, cmd := m.enqueue(op{kind: opSync, quit: true})
	m.status = statusInfo("syncing .envrc and direnv… (ctrl+c again to quit now)")
	return m, cmd
}

// selected returns what the detail area shows.
func (m Model) selected() selection {
	installed := m.panel.Installed()
	if m.focus == focusPanel {
		it, ok := m.panel.Selected()
		if !ok {
			return selection{}
		}
		return selection{attr: it.Attr, version: it.Version, description: it.Description, installed: true, fromCommand: it.FromCommand}
	}
	row, ok := m.results.Selected()
	if !ok {
		return selection{}
	}
	return selection{
		attr:        row.Pkg.Attr,
		version:     row.Pkg.Version,
		description: row.Pkg.Description,
		installed:   installed[rowInstalledName(installed, row)],
	}
}

// selectionChanged lets the detail area follow the cursor; the metadata
// is asked for once the selection rests for metaDelay.
func (m Model) selectionChanged() (Model, tea.Cmd) {
	var fetch bool
	m.detail, fetch = m.detail.Select(m.selected().attr)
	if !fetch {
		return m, nil
	}
	seq := m.detail.seq
	return m, m.tick(metaDelay, func(time.Time) tea.Msg { return metaWantMsg{seq: seq} })
}

// startMeta starts fetching the wanted metadata when no fetch runs.
func (m Model) startMeta() (Model, tea.Cmd) {
	var attr string
	m.detail, attr = m.detail.Start()
	if attr == "" {
		return m, nil
	}
	return m, metaCmd(m.ctx, m.backend, attr)
}

// layout sizes the parts for the terminal size and the shown extras.
func (m Model) layout() Model {
	w, h := m.width, m.height
	m.help.Width = w
	rows := h - m.fixedHeight() - 2 // box borders
	rows = max(rows, 1)
	if m.collapsed() {
		m.results = m.results.SetSize(max(0, w-2), rows)
		m.panel = m.panel.SetSize(max(0, w-2), rows)
		return m
	}
	pw := panelOuterWidth(w)
	m.results = m.results.SetSize(max(0, w-pw-2), rows)
	m.panel = m.panel.SetSize(max(0, pw-2), rows)
	return m
}

// collapsed reports whether the terminal is too narrow for the packages
// panel beside the results: it then becomes a count in the results' title.
func (m Model) collapsed() bool { return panelOuterWidth(m.width) == 0 }

// The smallest terminal the screen is drawn on; below it, View says so
// instead of drawing broken borders: the query, two result rows, the
// detail line and the status need 40 columns and 10 lines.
const (
	minWidth  = 40
	minHeight = 10
)

// tooSmall reports whether the terminal is below the minimum size.
func (m Model) tooSmall() bool { return m.width < minWidth || m.height < minHeight }

// detailLines is the height of the detail area: all of it when the
// terminal is tall enough to leave the results a screenful, else the
// first line.
func (m Model) detailLines() int {
	if m.height < detailTallHeight {
		return 1
	}
	return detailHeight
}

// detailTallHeight is the terminal height from which the detail area has
// all its lines (at 24 lines the results keep 16 rows).
const detailTallHeight = 16

// fixedHeight is the number of lines outside the boxes.
func (m Model) fixedHeight() int {
	n := 1 + 1 + m.detailLines() + 1 // header, input, detail, status
	if m.index.building {
		n++
	}
	if m.help.ShowAll {
		n += strings.Count(m.help.FullHelpView(m.keys.FullHelp()), "\n") + 1
	}
	return n
}

// Panel width beside the results: 30% of the terminal, at least enough for
// common attribute paths, at most what the longest usual ones need — and
// never so wide that a result name of up to resultsNameFull cells would
// be cut: the results keep resultsMinOuter columns, the panel narrows to
// panelMinWidth, and below that it becomes a count.
const (
	panelShare    = 30 // percent
	panelMinWidth = 22
	panelMaxWidth = 40
	// resultsMinOuter is the results box's width for a full name and
	// version with some description: the borders, the marks, the name,
	// a usual version, a few words and the blank cell on the right.
	resultsMinOuter = 2 + resultsMarks + resultsNameFull + 2 + resultsUsualVersion + 2 + resultsMinDescription + 1
)

// panelOuterWidth is the width of the packages panel beside the results;
// 0 when the terminal is too narrow for it.
func panelOuterWidth(w int) int {
	pw := min(max(panelMinWidth, w*panelShare/100), panelMaxWidth, w-resultsMinOuter)
	if pw < panelMinWidth {
		return 0
	}
	return pw
}

// View renders the screen. Its cost depends on the terminal size, not on
// the number of packages or results.
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	st := m.styles
	w := m.width
	lines := make([]string, 0, m.height)
	lines = append(lines, headerView(st, m.project, m.index, w))
	lines = append(lines, m.inputView(w))
	lines = append(lines, m.boxesView()...)
	lines = append(lines, m.detail.View(st, m.selected(), w, m.detailLines())...)
	if m.index.building {
		lines = append(lines, progressView(st, m.index, w))
	}
	lines = append(lines, m.statusLine(w))
	if m.help.ShowAll {
		for _, l := range strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n") {
			lines = append(lines, tuiPad(" "+l, 1+lipgloss.Width(l), w))
		}
	}
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// tooSmallView fills the screen with a note saying the terminal is too
// small and how small it may be.
func (m Model) tooSmallView() string {
	msg := tuiWrap(fmt.Sprintf("terminal too small (%d×%d): devsh needs %d×%d; ctrl+c quits",
		m.width, m.height, minWidth, minHeight), max(1, m.width-1), m.height)
	lines := make([]string, 0, m.height)
	for _, l := range msg {
		lines = append(lines, tuiFit(" "+l, m.width))
	}
	return strings.Join(tuiLines(lines, m.height, m.width), "\n")
}

// statusLine renders the status message with as much key help as fits:
// the short help, or only the key for the full help.
func (m Model) statusLine(w int) string {
	if m.help.ShowAll {
		return statusView(m.styles, m.status, nil, w)
	}
	// Widest first: all keys, whole; then without the description
	// search's key, whole, then cut to the width with "…"; then only the
	// key of the full help.
	short := m.keys.shortHelpFor(m.focus)
	narrow := slices.DeleteFunc(slices.Clone(short), func(b key.Binding) bool {
		return slices.Equal(b.Keys(), m.keys.Descriptions.Keys())
	})
	whole := m.help
	whole.Width = 0
	return statusView(m.styles, m.status, []string{
		whole.ShortHelpView(short) + " ",
		whole.ShortHelpView(narrow) + " ",
		m.help.ShortHelpView(narrow) + " ",
		m.help.ShortHelpView([]key.Binding{m.keys.Help}) + " ",
	}, w)
}

// descPrompt is the query's prompt while descriptions are searched: the
// mode shows on the query line at every width, after the toggle's note
// has faded and when the footer is too narrow for the key help.
const descPrompt = " desc > "

// inputView renders the query line with the match count on the right.
func (m Model) inputView(w int) string {
	st := m.styles
	count := ""
	switch {
	case m.index.searchable() && m.input.Value() == "":
		// The empty query lists devshell.toml's packages.
		if n := len(m.results.res.Rows); n > 0 {
			count = fmt.Sprintf("%d in %s", n, m.tomlName())
		}
	case m.index.searchable():
		count = tuiThousands(m.results.res.Total) + " / " + tuiThousands(m.index.info.Count)
	case m.index.building:
		count = "waiting for the index"
	}
	countW := tuiWidth(count)
	prompt := " > "
	if m.descriptions {
		prompt = descPrompt // lasting, unlike the note the toggle shows
	}
	room := w - len(prompt) - 1 - countW - 2
	value := []rune(m.input.Value())
	pos := min(m.input.Position(), len(value))
	// Show the end of a long query, where the cursor usually is.
	start := 0
	for start < pos && tuiWidth(string(value[start:])) > room {
		start++
	}
	before := string(value[start:pos])
	var b strings.Builder
	b.WriteString(st.Prompt.Render(prompt))
	used := len(prompt)
	b.WriteString(st.Query.Render(before))
	used += tuiWidth(before)
	if pos < len(value) {
		// Cursor inside the query: the character under it, reversed; without
		// colour, a cursor character before it.
		under := string(value[pos])
		if st.NoColor {
			b.WriteString(inputCursor)
			used++
			b.WriteString(under)
		} else {
			b.WriteString(st.Cursor.Reverse(true).Render(under))
		}
		after := tuiTruncate(string(value[pos+1:]), max(0, room-(used-len(prompt))-tuiWidth(under)))
		b.WriteString(st.Query.Render(after))
		used += tuiWidth(under) + tuiWidth(after)
	} else {
		b.WriteString(st.Cursor.Render(inputCursor))
		used++
	}
	if gap := w - used - countW - 1; gap > 0 {
		b.WriteString(strings.Repeat(" ", gap))
		b.WriteString(st.Count.Render(count))
		used += gap + countW
	}
	return tuiPad(b.String(), used, w)
}

// boxesView renders the results box and the packages panel (or, collapsed,
// the focused one of them).
func (m Model) boxesView() []string {
	st := m.styles
	installed := m.panel.Installed()
	tomlName := m.tomlName()
	resultsBox := func(w int, right string) []string {
		body := m.results.View(st, installed, m.focus == focusResults, m.emptyText(), m.emptyDetail())
		return tuiBox(body, w, "results", right, m.focus == focusResults, st)
	}
	panelBox := func(w int) []string {
		body := m.panel.View(st, m.focus == focusPanel)
		return tuiBox(body, w, tomlName, "", m.focus == focusPanel, st)
	}
	if m.collapsed() {
		if m.focus == focusPanel {
			return panelBox(m.width)
		}
		count := fmt.Sprintf("%s: %d · tab", tomlName, len(m.panel.items))
		return resultsBox(m.width, count)
	}
	pw := panelOuterWidth(m.width)
	left := resultsBox(m.width-pw, "")
	right := panelBox(pw)
	out := make([]string, len(left))
	for i := range left {
		out[i] = left[i] + right[i]
	}
	return out
}

// tomlName is the devshell.toml's name for display.
func (m Model) tomlName() string {
	if m.project.TOMLName == "" {
		return "devshell.toml"
	}
	return m.project.TOMLName
}

// emptyDetail is what the empty results list shows under emptyText: when
// that is an index error from nix, nix's whole message (NixError.Detail:
// the trace, the file:line), else nothing.
func (m Model) emptyDetail() []string {
	showsErr := m.index.opened && m.index.err != nil && !errors.Is(m.index.err, ErrNixMissing) &&
		(m.index.openErr || (!m.index.searchable() && !m.index.building))
	var nerr *nixsearch.NixError
	if !showsErr || !errors.As(m.index.err, &nerr) {
		return nil
	}
	return nerr.Detail()
}

// emptyText explains an empty results list.
func (m Model) emptyText() string {
	switch {
	case !m.index.opened:
		return "loading…"
	case m.index.openErr && errors.Is(m.index.err, ErrNixMissing):
		return "nix is not installed, so nixpkgs cannot be searched. The packages of devshell.toml can still be removed: press tab."
	case m.index.openErr:
		return indexErrorText(m.index.err)
	case !m.index.searchable() && m.index.building:
		return "Building the package index; results appear when it is ready. Keep typing."
	case !m.index.searchable() && m.index.err != nil:
		return indexErrorText(m.index.err) + " — ctrl+r to retry"
	case !m.index.searchable():
		return "No package index; ctrl+r builds it."
	case m.input.Value() != "":
		return "No package matches " + m.input.Value() + "."
	case m.index.info.Count == 0:
		return "The index is empty."
	default:
		return fmt.Sprintf("Type to search %s packages: a name (ripgrep), a command (rg) or a word from a description; enter adds the selected one to %s.",
			tuiThousands(m.index.info.Count), m.tomlName())
	}
}
