package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
)

// indexExpectedCount sizes the progress bar of a first build, when no
// earlier index tells how many attributes to expect: real nixpkgs has about
// 110k–130k searchable packages.
const indexExpectedCount = 120_000

// indexModel is the state of the package index as the TUI knows it.
type indexModel struct {
	info   IndexInfo
	opened bool  // OpenIndex answered (with or without an error)
	err    error // the last OpenIndex or BuildIndex error
	// openErr is true when err came from OpenIndex: there is no index to
	// search at all.
	openErr bool

	building  bool
	seq       int // numbers builds; messages of an older build are dropped
	evaluated int
	// indexed is the package count of the part of the index searchable
	// while the build runs; partial says info describes that part.
	indexed  int
	expected int
	partial  bool
	start    time.Time
	now      time.Time
	pipe     *progressPipe
	cancel   context.CancelFunc
}

// searchable reports whether searches can run: an index (maybe stale) is
// open.
func (ix indexModel) searchable() bool {
	return ix.opened && !ix.openErr && !ix.info.Missing
}

// The index's life cycle: opened once (setOpened), then any number of
// builds, each started (started), fed progress (progressed, ticked) and
// ended (done). The model calls these instead of writing the fields.

// setOpened records OpenIndex's answer.
func (ix indexModel) setOpened(info IndexInfo, err error) indexModel {
	ix.opened = true
	ix.info = info
	if err != nil {
		ix.err, ix.openErr = err, true
	}
	return ix
}

// started begins a new build at now, cancelled by cancel; its progress
// comes through the returned model's pipe.
func (ix indexModel) started(now time.Time, cancel context.CancelFunc) indexModel {
	ix.seq++
	ix.building = true
	ix.evaluated, ix.indexed, ix.expected = 0, 0, 0
	ix.start, ix.now = now, now
	ix.pipe = newProgressPipe()
	ix.cancel = cancel
	return ix
}

// progressed records a progress report of the running build; grew is
// true when more of the index became searchable, to be searched again.
func (ix indexModel) progressed(msg buildProgressMsg) (_ indexModel, grew bool) {
	ix.evaluated = msg.evaluated
	ix.expected = msg.expected
	ix.now = msg.at
	if msg.indexed > 0 && msg.indexed != ix.indexed && (ix.info.Missing || ix.partial) {
		ix.indexed = msg.indexed
		ix.partial = true
		ix.info = IndexInfo{Count: msg.indexed}
		return ix, true
	}
	return ix, false
}

// ticked moves the build's clock to at.
func (ix indexModel) ticked(at time.Time) indexModel {
	ix.now = at
	return ix
}

// done ends the running build; wasPartial reports that a partial index
// was shown, which a failed build drops.
func (ix indexModel) done(msg buildDoneMsg) (_ indexModel, wasPartial bool) {
	ix.building = false
	ix.now = msg.at
	ix.stop()
	wasPartial = ix.partial
	ix.partial, ix.indexed = false, 0
	if msg.err != nil {
		ix.err = msg.err
		if wasPartial {
			ix.info = IndexInfo{Missing: true}
		}
		return ix, wasPartial
	}
	ix.err, ix.openErr = nil, false
	ix.info = msg.info
	return ix, wasPartial
}

// stop cancels the running build, if any.
func (ix indexModel) stop() {
	if ix.cancel != nil {
		ix.cancel()
	}
}

// current reports whether the build message numbered seq is of the running
// build; messages of an ended or older build are dropped.
func (ix indexModel) current(seq int) bool {
	return ix.building && seq == ix.seq
}

// progressPipe carries build progress from the backend's goroutine to a
// tea.Cmd that waits on it. It keeps only the latest count: the bar needs
// no history, and the backend never blocks on a slow screen.
type progressPipe struct {
	mu     sync.Mutex
	latest BuildProgress
	closed bool
	notify chan struct{}
}

// newProgressPipe returns an open, empty pipe.
func newProgressPipe() *progressPipe {
	return &progressPipe{notify: make(chan struct{}, 1)}
}

// report records the progress; safe from any goroutine.
func (p *progressPipe) report(progress BuildProgress) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.latest = progress
	p.mu.Unlock()
	p.wake()
}

// close ends the pipe; the waiting reader returns.
func (p *progressPipe) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.wake()
}

// wake lets a waiting next return; it never blocks.
func (p *progressPipe) wake() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// next waits for new progress; ok is false once the pipe is closed.
func (p *progressPipe) next() (progress BuildProgress, ok bool) {
	<-p.notify
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		// Leave the wake-up for any other reader.
		p.wake()
		return p.latest, false
	}
	return p.latest, true
}

// progressBarWidth is the widest the bar gets: wider adds no information.
const progressBarWidth = 30

// progressView renders the build progress line: a bar, the evaluated
// attribute count, or once part of the index is searchable "41,000 of
// ~120,000 indexed", and the elapsed time.
func progressView(st Styles, ix indexModel, w int) string {
	expected := indexExpectedCount
	switch {
	case ix.expected > 0:
		expected = ix.expected
	case ix.info.Count > 0 && !ix.partial:
		expected = ix.info.Count
	}
	done := ix.evaluated
	if ix.indexed > 0 {
		done = ix.indexed
	}
	frac := float64(done) / float64(expected)
	// The count is an estimate: never show a full bar before the end.
	frac = min(frac, 0.99)
	elapsed := ix.now.Sub(ix.start)
	if elapsed < 0 {
		elapsed = 0
	}
	label := " indexing nixpkgs "
	info := fmt.Sprintf(" %s evaluated · %s", tuiThousands(ix.evaluated), statusDuration(elapsed))
	if ix.indexed > 0 {
		info = fmt.Sprintf(" %s of ~%s indexed · %s", tuiThousands(ix.indexed), tuiThousands(expected), statusDuration(elapsed))
	}
	if done == 0 {
		// No count (yet): some nix versions report no attribute at all
		// (Determinate Nix ≥ 3.11). An empty bar would read as stuck at
		// 0%; a block moving with the elapsed time says "working".
		info = " evaluating, no count from nix yet · " + statusDuration(elapsed)
	}
	barW := min(progressBarWidth, w-len(label)-tuiWidth(info))
	if barW < 5 {
		return tuiFit(label+info, w)
	}
	var bar string
	if done == 0 {
		bar = progressSpinBar(st, barW, elapsed)
	} else {
		full := int(frac * float64(barW))
		bar = st.Bar.Render(strings.Repeat("█", full)) + st.BarEmpty.Render(strings.Repeat("░", barW-full))
	}
	used := len(label) + barW + tuiWidth(info)
	return tuiPad(st.Dim.Render(label)+bar+st.Dim.Render(info), used, w)
}

// progressSpinWidth is the moving block of an indeterminate bar.
const progressSpinWidth = 3

// progressSpinBar is an indeterminate bar of width w: a block that moves
// one cell per second of elapsed time (the build tick's rate) and wraps.
func progressSpinBar(st Styles, w int, elapsed time.Duration) string {
	span := w - progressSpinWidth + 1
	pos := int(elapsed/time.Second) % span
	return st.BarEmpty.Render(strings.Repeat("░", pos)) + st.Bar.Render(strings.Repeat("█", progressSpinWidth)) +
		st.BarEmpty.Render(strings.Repeat("░", w-pos-progressSpinWidth))
}

// statusDuration formats an elapsed time as m:ss.
func statusDuration(d time.Duration) string {
	s := int(d / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// statusModel is the message of the status line.
type statusModel struct {
	text  string
	isErr bool
	// fades is true for a note, which the model clears after noteFade.
	fades bool
}

// statusInfo is an informative status message that stays until replaced:
// what is under way ("resolving nixpkgs…").
func statusInfo(text string) statusModel { return statusModel{text: text} }

// statusNote is an informative message that fades: the outcome of an
// action ("+ cargo-edit added", "nothing to undo").
func statusNote(text string) statusModel { return statusModel{text: text, fades: true} }

// statusError is an error status message.
func statusError(text string) statusModel { return statusModel{text: text, isErr: true} }

// statusView renders the status message on the left and, on the right, the
// first of helpViews (longest first) that fits beside it; when none fits,
// the message alone.
func statusView(st Styles, s statusModel, helpViews []string, w int) string {
	text := tuiSanitize(s.text)
	textW := tuiWidth(text)
	style := st.StatusInfo
	if s.isErr {
		style = st.StatusError
	}
	for _, hv := range helpViews {
		helpW := lipgloss.Width(hv)
		if 1+textW+2+helpW <= w {
			gap := w - 1 - textW - helpW
			return " " + style.Render(text) + strings.Repeat(" ", gap) + hv
		}
	}
	text = tuiTruncate(text, max(0, w-1))
	return tuiPad(" "+style.Render(text), 1+tuiWidth(text), w)
}
