package nixcli

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/devsh/devsh/internal/termtext"
)

// logFormat is given to every nix run whose stderr devsh reads
// (--log-format, see LogArgs): nix then writes each log message and
// activity as one `@nix {…}` JSON line, the same on every version from 2.8 on, Lix and
// Determinate Nix included, whatever the user's nix.conf says (Lix ≥ 2.95
// reads log-format from it). Plain stderr is not stable: from 2.13 an error
// with a trace starts with a bare "error:" line, and the per-attribute
// "evaluating '…'" line is lvlTalkative on NixOS master and gone in
// Determinate ≥ 3.11, while the JSON logger emits every activity start at
// any verbosity.
const logFormat = "internal-json"

// Env is added to the environment of every nix run devsh makes: Lix ≥
// 2.91 colours a pipe when FORCE_COLOR or CLICOLOR_FORCE is set, and
// NO_COLOR wins over both. Escapes are stripped from everything read anyway
// (nix 2.8–2.26 colour the "msg" of error events regardless).
func Env() []string { return []string{"NO_COLOR=1"} }

// LogArgs are the arguments every nix run whose stderr devsh reads gets
// after its subcommand: `--log-format internal-json` (see logFormat), the
// format Stderr parses.
func LogArgs() []string { return []string{"--log-format", logFormat} }

// stderrTailLines is how many plain stderr lines Stderr keeps for Failure
// (what nixsearch's NixError shows): enough for nix's error message and its
// code excerpt, small enough to print.
const stderrTailLines = 20

// stderrMaxLine caps one kept stderr line, so a pathological line
// (a huge value in a trace) cannot grow memory without bound. An `@nix`
// event longer than this is not parsed (it is kept, cut, as a plain line).
const stderrMaxLine = 64 << 10

// progressInterval throttles progress callbacks: nix reports one
// activity per attribute (over 100k for nixpkgs), far more than a progress
// bar can show.
const progressInterval = 100 * time.Millisecond

// ProgressHeartbeat is the longest gap between two progress callbacks
// while nix runs, even when nix reports nothing: a display without its own
// clock still moves its elapsed time (Determinate Nix ≥ 3.11 reports no
// attribute at all).
const ProgressHeartbeat = time.Second

// progressPrefix starts the text of nix's per-attribute activity, and of
// its plain progress line, `evaluating 'legacyPackages.x86_64-linux.hello'`.
const progressPrefix = "evaluating '"

// traceProgressPrefix starts the same line printed with builtins.trace
// by an index shard's meta walk (nixsearch's nixShardMetaBody); with
// internal-json it is the text of a msg event (at lvlError on every
// version).
const traceProgressPrefix = "trace: " + progressPrefix

// eventPrefix starts a JSON log line of --log-format internal-json.
const eventPrefix = "@nix "

// lvlError is nix's Verbosity lvlError, the level of error messages
// (warnings are lvlWarn, 1, from nix 2.9 on; 2.8 logs them at 0 too).
const lvlError = 0

// maxErrorEvents bounds the error events a run keeps; the last one is
// the error nix exits with.
const maxErrorEvents = 4

// logEvent is one `@nix` line: the fields devsh reads.
type logEvent struct {
	Action string `json:"action"`
	Level  *int   `json:"level"`
	Text   string `json:"text"`
	Msg    string `json:"msg"`
	RawMsg string `json:"raw_msg"`
}

// logError is one error event: Text is the whole message as nix would
// print it (trace, code excerpt; escapes stripped, one line per line),
// Message its one-line description.
type logError struct {
	Text    string
	Message string
}

// Stderr is the io.Writer nix's stderr is streamed into. It splits
// lines, parses `@nix` events (and plain lines, for a nix that ignores
// --log-format), counts evaluated attributes, keeps nix's error events and
// the last other lines. Writes come from one goroutine at a time (the
// runner's copier); Heartbeat may run concurrently, so the counters and the
// callback are guarded by mu. The zero value counts without reporting.
type Stderr struct {
	onEval func(int)

	mu         sync.Mutex
	evaluated  int
	reported   int
	lastReport time.Time

	partial []byte
	afterCR bool // the last line ended with a CR
	errors  []logError
	lines   []string // ring buffer of kept lines
	next    int      // index in lines of the oldest line once full
}

// NewStderr returns a Stderr for a nix run started at start that calls
// onEval (when not nil; never concurrently) with the number of attributes
// nix has reported evaluating: on the first, then at most every
// progressInterval, on Heartbeat once ProgressHeartbeat passed without a
// report (the first ProgressHeartbeat after start), and on Finish. A count
// of 0 means nix has reported none yet.
func NewStderr(onEval func(int), start time.Time) *Stderr {
	return &Stderr{onEval: onEval, lastReport: start}
}

// Write implements io.Writer; it never fails. A CR ends a line as a
// newline does: a progress display redraws its line with CR, and each
// drawing is a line of its own here.
func (w *Stderr) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\n\r")
		if i < 0 {
			w.partial = appendCapped(w.partial, p)
			break
		}
		w.partial = appendCapped(w.partial, p[:i])
		// The newline of a CR LF ends no second, empty line.
		if !(p[i] == '\n' && w.afterCR && len(w.partial) == 0) {
			w.line(w.partial)
		}
		w.afterCR = p[i] == '\r'
		w.partial = w.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func appendCapped(dst, p []byte) []byte {
	if room := stderrMaxLine - len(dst); len(p) > room {
		p = p[:max(room, 0)]
	}
	return append(dst, p...)
}

// line handles one stderr line, escapes and CR already in it.
func (w *Stderr) line(b []byte) {
	s := stripTerminal(string(b))
	if rest, ok := strings.CutPrefix(s, eventPrefix); ok {
		if handled, evaluating := fastEvent(rest); handled {
			if evaluating {
				w.evaluatedOne()
			}
			return
		}
		var ev logEvent
		if json.Unmarshal([]byte(rest), &ev) == nil {
			w.event(ev)
			return
		}
	}
	if strings.HasPrefix(s, progressPrefix) || strings.HasPrefix(s, traceProgressPrefix) {
		w.evaluatedOne()
		return
	}
	w.keep(termtext.Keep(s))
}

// fastEvent handles the events a search writes by the hundred thousand
// without decoding them: an activity's start (counted when its text is
// `evaluating '…'`), stop and result. nix writes the keys sorted, "action"
// first (nlohmann::json, CppNix and Lix alike); any other line is decoded.
// No false count is possible: inside a JSON string a quote is escaped, so
// `"text":"evaluating '` can only be the text key's own value.
func fastEvent(rest string) (handled, evaluating bool) {
	switch {
	case strings.HasPrefix(rest, `{"action":"stop"`), strings.HasPrefix(rest, `{"action":"result"`):
		return true, false
	case strings.HasPrefix(rest, `{"action":"start"`):
		return true, strings.Contains(rest, `"text":"`+progressPrefix)
	}
	return false, false
}

// event handles one parsed `@nix` event.
func (w *Stderr) event(ev logEvent) {
	switch ev.Action {
	case "start":
		if strings.HasPrefix(ev.Text, progressPrefix) {
			w.evaluatedOne()
		}
	case "msg":
		text := cleanText(ev.Msg)
		if strings.HasPrefix(text, traceProgressPrefix) {
			w.evaluatedOne()
			return
		}
		if isErrorEvent(ev, text) {
			if len(w.errors) == maxErrorEvents {
				w.errors = w.errors[1:]
			}
			w.errors = append(w.errors, logError{Text: text, Message: eventMessage(ev.RawMsg, text)})
			return
		}
		for _, l := range strings.Split(text, "\n") {
			w.keep(l)
		}
	}
}

// isErrorEvent reports whether a msg event is an error: at lvlError,
// and carrying raw_msg (as nix's errors do; 2.8's warnings carry none) or
// starting with "error:".
func isErrorEvent(ev logEvent, text string) bool {
	if ev.Level == nil || *ev.Level != lvlError {
		return false
	}
	if strings.HasPrefix(text, "warning:") || strings.HasPrefix(text, "trace:") {
		return false
	}
	return ev.RawMsg != "" || strings.HasPrefix(text, "error:")
}

// eventMessage is the one-line description of an error event: its
// raw_msg, else the summary of its text.
func eventMessage(raw, text string) string {
	if m := termtext.Line(raw); m != "" {
		return m
	}
	return ErrorSummary(text)
}

// cleanText strips escapes and CR from a multi-line message and makes
// each line printable, keeping its indentation; blank lines at either end
// are dropped.
func cleanText(s string) string {
	lines := strings.Split(stripTerminal(s), "\n")
	for i, l := range lines {
		lines[i] = termtext.Keep(l)
	}
	return strings.Join(trimBlank(lines), "\n")
}

// trimBlank drops empty lines at both ends.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// stripTerminal removes ANSI escape sequences and carriage returns
// from s, leaving everything else as it is.
func stripTerminal(s string) string {
	// Three byte scans (vectorised) instead of ContainsAny, which a
	// non-ASCII set makes rune by rune: U+009B (C1 CSI) starts with 0xC2.
	if strings.IndexByte(s, 0x1b) < 0 && strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, 0xc2) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case s[i] == 0x1b:
			i = termtext.SkipEscape(s, i+1)
		case s[i] == '\r':
			i++
		case strings.HasPrefix(s[i:], "\u009b"):
			i = termtext.SkipCSI(s, i+len("\u009b"))
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

func (w *Stderr) keep(s string) {
	if len(w.lines) < stderrTailLines {
		w.lines = append(w.lines, s)
		return
	}
	w.lines[w.next] = s
	w.next = (w.next + 1) % stderrTailLines
}

func (w *Stderr) evaluatedOne() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.evaluated++
	if w.onEval != nil && (w.reported == 0 || time.Since(w.lastReport) >= progressInterval) {
		w.report()
	}
}

// report calls onEval with the count; w.mu is held.
func (w *Stderr) report() {
	w.reported = w.evaluated
	w.lastReport = time.Now()
	w.onEval(w.evaluated)
}

// Heartbeat reports the current count when nothing was reported for
// ProgressHeartbeat.
func (w *Stderr) Heartbeat(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.onEval != nil && now.Sub(w.lastReport) >= ProgressHeartbeat {
		w.report()
	}
}

// Finish handles a last line without a newline and reports the final
// progress count.
func (w *Stderr) Finish() {
	if len(w.partial) > 0 {
		w.line(w.partial)
		w.partial = nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.onEval != nil && w.evaluated != w.reported {
		w.report()
	}
}

// tail returns the kept lines, oldest first, without blank lines at either
// end.
func (w *Stderr) tail() string {
	ordered := append(append([]string{}, w.lines[w.next:]...), w.lines[:w.next]...)
	return strings.Join(trimBlank(ordered), "\n")
}

// Failure returns what a NixError shows: nix's last error event (its
// description and whole text), else the summary and tail of the plain
// lines.
func (w *Stderr) Failure() (message, text string) {
	if len(w.errors) > 0 {
		last := w.errors[len(w.errors)-1]
		return last.Message, last.Text
	}
	tail := w.tail()
	return ErrorSummary(tail), tail
}

// ErrorSummary picks the line of nix's error text that says what went
// wrong: the last "error:" line that has text after the prefix (from nix
// 2.13 an error with a trace starts with a bare "error:" and ends with
// "error: <message>"), else the last non-empty line.
func ErrorSummary(stderr string) string {
	lines := strings.Split(stderr, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "error:"); ok && strings.TrimSpace(msg) != "" {
			return termtext.Line(msg)
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := termtext.Line(lines[i]); l != "" {
			return l
		}
	}
	return NoErrorOutput
}

// NoErrorOutput is the summary of a failed nix run that printed no error.
const NoErrorOutput = "no error output"

// StderrError reads the whole stderr of a finished nix run made with
// LogArgs as Stderr reads a streamed one: message is nix's error in one
// line (the raw_msg of its last error event, else the last "error:" line,
// else the last line; NoErrorOutput when there is none) and text its whole
// error text, escapes and CR stripped.
func StderrError(stderr []byte) (message, text string) {
	w := &Stderr{}
	_, _ = w.Write(stderr)
	w.Finish()
	return w.Failure()
}
