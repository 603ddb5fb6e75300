package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/devsh/devsh/nixsearch"
)

// searchMsgOf returns the one searchResultMsg among cmd's messages.
func searchMsgOf(t *testing.T, cmd tea.Cmd) searchResultMsg {
	t.Helper()
	var found []searchResultMsg
	for _, msg := range cmdMsgs(cmd) {
		if s, ok := msg.(searchResultMsg); ok {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one search dispatched, got %d", len(found))
	}
	return found[0]
}

func TestTypingDispatchesSearchWithIncreasingSeq(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages()))
	prev := h.m.searchSeq
	query := ""
	for _, r := range "cargo-ed" {
		query += string(r)
		got := searchMsgOf(t, h.update(keyMsg(string(r))))
		if got.seq <= prev {
			t.Fatalf("query %q: seq %d not above %d", query, got.seq, prev)
		}
		if got.res.Query != query {
			t.Fatalf("searched %q, want %q", got.res.Query, query)
		}
		prev = got.seq
	}
}

func TestStaleSearchResultIsDropped(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	first := h.update(keyMsg("r"))  // "r"
	second := h.update(keyMsg("u")) // "ru"
	newer := searchMsgOf(t, second)
	older := searchMsgOf(t, first) // runs after the newer one was dispatched
	h.send(newer)
	h.send(older)
	if got := h.m.results.res.Query; got != "ru" {
		t.Fatalf("results are for %q, want %q (the older answer must be dropped)", got, "ru")
	}
	// The older search's context was cancelled when "u" was typed.
	errs := b.searchCtxErrs
	if len(errs) < 2 || !errors.Is(errs[len(errs)-1], context.Canceled) || errs[len(errs)-2] != nil {
		t.Fatalf("search context errors %v: want the newer nil, the older cancelled", errs)
	}
}

func TestToggleAddsThenRemoves(t *testing.T) {
	b := newMemBackend(testPackages(), "rustc")
	h := newHarness(t, b)
	h.typeText("cargo-edit")
	if row, _ := h.m.results.Selected(); row.Pkg.Attr != "cargo-edit" {
		t.Fatalf("selected %q, want cargo-edit", row.Pkg.Attr)
	}
	h.press("enter")
	if got, want := b.attrs(), []string{"rustc", "cargo-edit"}; !slices.Equal(got, want) {
		t.Fatalf("after add: file has %v, want %v", got, want)
	}
	if got := panelAttrs(h.m); !slices.Equal(got, []string{"rustc", "cargo-edit"}) {
		t.Fatalf("panel shows %v", got)
	}
	if !strings.Contains(h.m.View(), "✓ cargo-edit") {
		t.Fatalf("view does not mark cargo-edit:\n%s", h.m.View())
	}
	h.press("enter")
	if got, want := b.attrs(), []string{"rustc"}; !slices.Equal(got, want) {
		t.Fatalf("after remove: file has %v, want %v", got, want)
	}
	want := []Change{{Attr: "cargo-edit", Added: true}, {Attr: "cargo-edit"}}
	if got := h.m.Changes(); !slices.Equal(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	if got := b.callLog(); !slices.Equal(got, []string{"open", "add cargo-edit", "remove cargo-edit"}) {
		t.Fatalf("backend calls %v", got)
	}
}

func panelAttrs(m Model) []string {
	var out []string
	for _, it := range m.panel.items {
		out = append(out, it.Attr)
	}
	return out
}

func TestWritesRunOneAtATimeInOrder(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	h.typeText("cargo-edit")
	first := h.update(keyMsg("enter"))
	if second := h.update(keyMsg("enter")); second != nil {
		t.Fatal("a second write started while the first runs")
	}
	h.run(first)
	// The second enter was decided after the first write: a remove.
	if got := b.callLog(); !slices.Equal(got, []string{"open", "add cargo-edit", "remove cargo-edit"}) {
		t.Fatalf("backend calls %v", got)
	}
	if len(b.attrs()) != 0 {
		t.Fatalf("file has %v, want nothing", b.attrs())
	}
}

func TestUndo(t *testing.T) {
	b := newMemBackend(testPackages(), "rustc")
	h := newHarness(t, b)
	h.typeText("cargo-edit")
	h.press("enter", "down", "enter") // cargo-edit, then cargo-edit-unwrapped
	if got := b.attrs(); !slices.Equal(got, []string{"rustc", "cargo-edit", "cargo-edit-unwrapped"}) {
		t.Fatalf("file has %v", got)
	}
	h.press("ctrl+z")
	if got := b.attrs(); !slices.Equal(got, []string{"rustc", "cargo-edit"}) {
		t.Fatalf("after one undo: file has %v", got)
	}
	if got := h.m.Changes(); !slices.Equal(got, []Change{{Attr: "cargo-edit", Added: true}}) {
		t.Fatalf("after one undo: changes %v", got)
	}
	h.press("ctrl+z")
	if got := b.attrs(); !slices.Equal(got, []string{"rustc"}) {
		t.Fatalf("after two undos: file has %v", got)
	}
	h.press("ctrl+z")
	if h.m.status.text != "nothing to undo" {
		t.Fatalf("status %q", h.m.status.text)
	}
	if len(h.m.Changes()) != 0 {
		t.Fatalf("changes %v, want none", h.m.Changes())
	}
	if got := panelAttrs(h.m); !slices.Equal(got, []string{"rustc"}) {
		t.Fatalf("panel shows %v", got)
	}
}

func TestFocusPanelAndRemove(t *testing.T) {
	b := newMemBackend(testPackages(), "rustc", "cargo", "flyctl")
	h := newHarness(t, b)
	h.press("tab")
	if h.m.focus != focusPanel {
		t.Fatal("tab did not focus the panel")
	}
	h.press("down", "enter")
	if got := b.attrs(); !slices.Equal(got, []string{"rustc", "flyctl"}) {
		t.Fatalf("after enter on cargo: file has %v", got)
	}
	if sel, _ := h.m.panel.Selected(); sel.Attr != "flyctl" {
		t.Fatalf("cursor on %q, want flyctl", sel.Attr)
	}
	h.press("delete")
	if got := b.attrs(); !slices.Equal(got, []string{"rustc"}) {
		t.Fatalf("after delete on flyctl: file has %v", got)
	}
	// Typing returns to the results and filters.
	h.typeText("go")
	if h.m.focus != focusResults || h.m.input.Value() != "go" {
		t.Fatalf("focus %v, query %q", h.m.focus, h.m.input.Value())
	}
	h.press("shift+tab", "esc")
	if h.m.focus != focusResults || h.m.input.Value() != "go" {
		t.Fatalf("esc in the panel: focus %v, query %q; want results, query kept", h.m.focus, h.m.input.Value())
	}
}

func TestCommandPackageIsNotRemoved(t *testing.T) {
	b := newMemBackend(testPackages())
	b.installed = []Installed{{Attr: "cargo", FromCommand: true}}
	h := newHarness(t, b)
	h.typeText("cargo")
	h.press("enter")
	h.press("tab", "enter")
	if got := b.callLog(); !slices.Equal(got, []string{"open"}) {
		t.Fatalf("backend calls %v, want no write", got)
	}
	if !h.m.status.isErr || !strings.Contains(h.m.status.text, "[[commands]]") {
		t.Fatalf("status %+v", h.m.status)
	}
	if !strings.Contains(h.m.View(), "• cargo") {
		t.Fatalf("panel does not mark the command package:\n%s", h.m.View())
	}
}

func TestResizeCollapsesPanelBelow80Columns(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages(), "rustc", "cargo"))
	if h.m.collapsed() || !strings.Contains(h.m.View(), "╭─ devshell.toml") {
		t.Fatalf("at 100 columns the panel must show:\n%s", h.m.View())
	}
	h.send(tea.WindowSizeMsg{Width: 79, Height: 24})
	v := h.m.View()
	if !h.m.collapsed() || strings.Contains(v, "╭─ devshell.toml") || !strings.Contains(v, "devshell.toml: 2 · tab") {
		t.Fatalf("at 79 columns the panel must collapse to a count:\n%s", v)
	}
	checkSize(t, v, 79, 24)
	h.press("tab")
	v = h.m.View()
	if !strings.Contains(v, "╭─ devshell.toml") || strings.Contains(v, "╭─ results") {
		t.Fatalf("tab must show the panel in place of the results:\n%s", v)
	}
	// Issue 10 moved the threshold: at 80 columns the panel is a count, so
	// that result names of up to 32 cells show in full; from 86 columns
	// both boxes show (this assertion was "at 80 columns both boxes show").
	h.press("tab") // back to the results
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := h.m.View(); !h.m.collapsed() || !strings.Contains(v, "devshell.toml: 2 · tab") {
		t.Fatalf("at 80 columns the panel must be a count:\n%s", v)
	}
	h.send(tea.WindowSizeMsg{Width: 86, Height: 24})
	v = h.m.View()
	if h.m.collapsed() || !strings.Contains(v, "╭─ devshell.toml") || !strings.Contains(v, "╭─ results") {
		t.Fatalf("at 86 columns both boxes show:\n%s", v)
	}
	checkSize(t, v, 86, 24)
}

// checkSize fails unless view has exactly height lines of width cells.
func checkSize(t *testing.T, view string, width, height int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != height {
		t.Fatalf("view has %d lines, want %d:\n%s", len(lines), height, view)
	}
	for i, l := range lines {
		if w := tuiWidth(l); w != width {
			t.Fatalf("line %d is %d cells wide, want %d: %q", i, w, width, l)
		}
	}
}

func TestEscClearsThenQuits(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	h.typeText("ca")
	h.press("esc")
	if h.quit || h.m.input.Value() != "" || h.m.results.res.Query != "" {
		t.Fatalf("first esc: quit %v, query %q, results for %q", h.quit, h.m.input.Value(), h.m.results.res.Query)
	}
	h.press("esc")
	if !h.quit {
		t.Fatal("esc on an empty query must quit")
	}
	if slices.Contains(b.callLog(), "sync") {
		t.Fatal("quit synced although nothing changed")
	}
}

func TestCtrlCQuits(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages()))
	h.typeText("cargo")
	h.press("ctrl+c")
	if !h.quit {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestQuitSyncsAfterChanges(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	h.typeText("cargo-edit")
	h.press("enter", "ctrl+c")
	if !h.quit {
		t.Fatal("ctrl+c did not quit")
	}
	if got := b.callLog(); !slices.Equal(got, []string{"open", "add cargo-edit", "sync"}) {
		t.Fatalf("backend calls %v", got)
	}
	r := h.m.Result()
	if r.Sync == "" || r.SyncErr != nil || len(r.Changes) != 1 || r.Changes[0].String() != "+ cargo-edit added" {
		t.Fatalf("result %+v", r)
	}
}

func TestQuitWaitsForRunningWrite(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	h.typeText("cargo-edit")
	write := h.update(keyMsg("enter"))
	if cmd := h.update(keyMsg("ctrl+c")); cmd != nil {
		t.Fatal("quit did not wait for the running write")
	}
	h.run(write)
	if !h.quit {
		t.Fatal("no quit after the write")
	}
	if got := b.callLog(); !slices.Equal(got, []string{"open", "add cargo-edit", "sync"}) {
		t.Fatalf("backend calls %v", got)
	}
}

func TestSecondCtrlCQuitsDuringSync(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	h.typeText("cargo-edit")
	h.press("enter")
	syncCmd := h.update(keyMsg("ctrl+c"))
	if syncCmd == nil {
		t.Fatal("quit after a change must sync")
	}
	msgs := cmdMsgs(h.update(keyMsg("ctrl+c")))
	if len(msgs) != 1 || msgs[0] != (tea.QuitMsg{}) {
		t.Fatalf("second ctrl+c gave %v, want quit", msgs)
	}
	if h.m.Result().SyncErr == nil {
		t.Fatal("an interrupted sync must be reported")
	}
}

func TestSyncOnDemand(t *testing.T) {
	b := newMemBackend(testPackages())
	b.syncErr = errors.New("direnv allow: permission denied")
	h := newHarness(t, b)
	h.press("ctrl+s")
	if !h.m.status.isErr || !strings.Contains(h.m.status.text, "permission denied") {
		t.Fatalf("status %+v", h.m.status)
	}
	b.syncErr = nil
	h.press("ctrl+s")
	if h.m.status.isErr || !strings.Contains(h.m.status.text, "direnv reloaded") || h.quit {
		t.Fatalf("status %+v, quit %v", h.m.status, h.quit)
	}
}

func TestIndexProgressMessages(t *testing.T) {
	b := newMemBackend(nil)
	b.info = IndexInfo{Missing: true}
	b.buildTo = testPackages()
	h := newLoadingHarness(t, b)
	h.m, _ = loadSteps(h.m, b) // starts the build; its Cmds are not run
	if !h.m.index.building || h.m.index.searchable() {
		t.Fatalf("index %+v: want building, not searchable", h.m.index)
	}
	if !strings.Contains(h.m.View(), "building index") {
		t.Fatalf("header does not say the index is building:\n%s", h.m.View())
	}
	// Typing while the index builds searches nothing yet.
	if cmd := h.update(keyMsg("c")); cmd != nil {
		t.Fatalf("a search was dispatched without an index: %v", cmdMsgs(cmd))
	}
	seq := h.m.index.seq
	start := h.m.index.start

	cmd := h.update(buildProgressMsg{seq: seq, evaluated: 45_123, at: start.Add(12 * time.Second)})
	if cmd == nil {
		t.Fatal("the progress listener was not re-armed")
	}
	if !strings.Contains(h.m.View(), "45,123 evaluated · 0:12") {
		t.Fatalf("progress line missing:\n%s", h.m.View())
	}
	// A message of an older build is dropped.
	if cmd := h.update(buildProgressMsg{seq: seq - 1, evaluated: 7, at: start}); cmd != nil || h.m.index.evaluated != 45_123 {
		t.Fatalf("stale progress applied: %d", h.m.index.evaluated)
	}
	h.update(buildTickMsg{seq: seq, at: start.Add(75 * time.Second)})
	if !strings.Contains(h.m.View(), "45,123 evaluated · 1:15") {
		t.Fatalf("tick did not refresh the elapsed time:\n%s", h.m.View())
	}
	// The build ends: the current query is searched.
	b.setIndex(testPackages())
	got := searchMsgOf(t, h.update(buildDoneMsg{seq: seq, info: IndexInfo{Count: 26}, at: start.Add(80 * time.Second)}))
	if got.res.Query != "c" {
		t.Fatalf("after the build, searched %q, want %q", got.res.Query, "c")
	}
	h.send(got)
	v := h.m.View()
	if h.m.index.building || strings.Contains(v, "evaluated") || !strings.Contains(v, "26 packages") || !strings.Contains(v, "index built: 26 packages in 1:20") {
		t.Fatalf("after the build:\n%s", v)
	}
}

// TestIndexPartialResults: while the first index builds, each progress
// report with more searchable packages searches the query again and the
// progress line says how many of the expected are indexed; a failed build
// drops the partial results.
func TestIndexPartialResults(t *testing.T) {
	b := newMemBackend(nil)
	b.info = IndexInfo{Missing: true}
	h := newLoadingHarness(t, b)
	h.m, _ = loadSteps(h.m, b)
	_ = h.update(keyMsg("c"))
	seq, start := h.m.index.seq, h.m.index.start
	h.m.index.pipe.close() // the re-armed listener returns at once

	b.setIndex(testPackages()[:10]) // what the backend searches now
	got := searchMsgOf(t, h.update(buildProgressMsg{seq: seq, evaluated: 900, indexed: 10, expected: 26, at: start.Add(3 * time.Second)}))
	if got.res.Query != "c" || !h.m.index.searchable() {
		t.Fatalf("partial index: searched %q, searchable %v", got.res.Query, h.m.index.searchable())
	}
	h.send(got)
	if v := h.m.View(); !strings.Contains(v, "10 of ~26 indexed · 0:03") {
		t.Fatalf("progress line does not count the indexed packages:\n%s", v)
	}
	// The same count again searches nothing new.
	for _, msg := range cmdMsgs(h.update(buildProgressMsg{seq: seq, evaluated: 950, indexed: 10, expected: 26, at: start})) {
		if _, ok := msg.(searchResultMsg); ok {
			t.Fatal("an unchanged partial index was searched again")
		}
	}
	h.update(buildDoneMsg{seq: seq, err: errors.New("nix search failed"), at: start.Add(5 * time.Second)})
	if h.m.index.searchable() || len(h.m.results.res.Rows) != 0 {
		t.Fatalf("after a failed build the partial results stay: searchable %v, %d rows", h.m.index.searchable(), len(h.m.results.res.Rows))
	}
}

// TestIndexPartialKeepsStale: with a stale index shown, progress does not
// replace it.
func TestIndexPartialKeepsStale(t *testing.T) {
	b := newMemBackend(nil)
	b.info = IndexInfo{Count: 26, Stale: true}
	h := newLoadingHarness(t, b)
	h.m, _ = loadSteps(h.m, b)
	if !h.m.index.building {
		t.Fatal("a stale index starts no build")
	}
	h.m.index.pipe.close()
	for _, msg := range cmdMsgs(h.update(buildProgressMsg{seq: h.m.index.seq, evaluated: 9, indexed: 3, at: h.m.index.start})) {
		if _, ok := msg.(searchResultMsg); ok {
			t.Fatal("progress over a stale index searched")
		}
	}
	if h.m.index.info.Count != 26 || !h.m.index.info.Stale {
		t.Errorf("index info %+v, want the stale one", h.m.index.info)
	}
}

func TestProgressReachesModelThroughPipe(t *testing.T) {
	b := newMemBackend(nil)
	b.buildSteps = []int{100}
	b.buildGate = make(chan struct{})
	b.buildTo = testPackages()
	pipe := newProgressPipe()
	clock := (&testClock{}).Now
	done := make(chan tea.Msg)
	go func() { done <- buildCmd(context.Background(), b, pipe, 3, clock)() }()
	listen := listenProgressCmd(pipe, 3, clock)
	if got := listen(); got.(buildProgressMsg).evaluated != 100 || got.(buildProgressMsg).seq != 3 {
		t.Fatalf("progress message %+v", got)
	}
	close(b.buildGate)
	if got := (<-done).(buildDoneMsg); got.err != nil || got.info.Count != 26 {
		t.Fatalf("build done %+v", got)
	}
	if got := listen(); got != nil {
		t.Fatalf("listener after the build returned %v, want nil", got)
	}
}

func TestProgressPipe(t *testing.T) {
	p := newProgressPipe()
	p.report(BuildProgress{Evaluated: 5})
	if n, ok := p.next(); n.Evaluated != 5 || !ok {
		t.Fatalf("next = %+v, %v", n, ok)
	}
	p.report(BuildProgress{Evaluated: 6})
	p.report(BuildProgress{Evaluated: 7, Indexed: 3}) // only the latest is kept
	if n, ok := p.next(); n != (BuildProgress{Evaluated: 7, Indexed: 3}) || !ok {
		t.Fatalf("next = %+v, %v", n, ok)
	}
	p.close()
	p.report(BuildProgress{Evaluated: 8}) // after close: ignored, no panic
	if n, ok := p.next(); n.Evaluated != 7 || ok {
		t.Fatalf("after close next = %+v, %v", n, ok)
	}
	if _, ok := p.next(); ok { // still closed, does not block
		t.Fatal("closed pipe reported progress")
	}
}

func TestFullBuildThroughHarness(t *testing.T) {
	// Every package installed: the empty query lists devshell.toml's
	// packages (issue 10), here all 26.
	b := newMemBackend(nil, testAttrs()...)
	b.info = IndexInfo{Missing: true}
	b.buildTo = testPackages()
	b.buildSteps = []int{10, 20, 30}
	h := newHarness(t, b)
	if h.m.index.building || h.m.index.info.Count != 26 || h.m.results.res.Total != 26 {
		t.Fatalf("index %+v, results total %d", h.m.index, h.m.results.res.Total)
	}
	if h.ticks["build"] == 0 {
		t.Fatal("no elapsed-time tick was asked for")
	}
}

func TestStaleIndexIsShownWhileRebuilding(t *testing.T) {
	b := newMemBackend(testPackages(), "cargo-edit") // the empty query lists it
	b.info = IndexInfo{Count: 26, Stale: true}
	b.buildTo = testPackages()[:20]
	h := newLoadingHarness(t, b)
	var cmd tea.Cmd
	h.m, cmd = loadSteps(h.m, b)
	_ = cmd // the build, not run yet
	v := h.m.View()
	if !h.m.index.building || !strings.Contains(v, "26 packages · stale") || !strings.Contains(v, "cargo-edit") {
		t.Fatalf("stale index not shown while building:\n%s", v)
	}
	// Searches run against the stale index meanwhile.
	if got := searchMsgOf(t, h.update(keyMsg("g"))); got.res.Total == 0 {
		t.Fatal("no results from the stale index")
	}
}

func TestBuildFailureKeepsPanelUsable(t *testing.T) {
	b := newMemBackend(nil, "rustc", "cargo")
	b.info = IndexInfo{Missing: true}
	b.buildErr = fmt.Errorf("nix search: error: attribute 'broken' missing (exit status 1)")
	h := newHarness(t, b)
	v := h.m.View()
	if !h.m.status.isErr || !strings.Contains(v, "attribute 'broken' missing") {
		t.Fatalf("nix's message not shown:\n%s", v)
	}
	h.press("tab", "enter")
	if got := b.attrs(); !slices.Equal(got, []string{"cargo"}) {
		t.Fatalf("file has %v", got)
	}
	// ctrl+r retries.
	b.buildErr = nil
	b.buildTo = testPackages()
	h.press("ctrl+r")
	if h.m.index.info.Count != 26 || h.m.index.err != nil {
		t.Fatalf("rebuild: index %+v", h.m.index)
	}
}

// TestBuildFailureShowsNixMessage: a failed build's nix error shows in the
// empty results list as nix's whole message (its trace, the file:line at
// the end of a long store path wrapped, not cut), under the one-line error;
// the status line keeps one line.
func TestBuildFailureShowsNixMessage(t *testing.T) {
	b := newMemBackend(nil, "rustc")
	b.info = IndexInfo{Missing: true}
	// Written: the build error's shape (nix 2.24's evalerror text);
	// cmd/devsh TestCLIVerboseNixError runs the real nix.
	b.buildErr = fmt.Errorf("building the index: %w", &nixsearch.NixError{
		Args: []string{"nix", "search"}, ExitCode: 1, Message: "gamma fails to evaluate",
		Stderr: "error:\n       … while calling the 'throw' builtin\n" +
			"         at /nix/store/6g87jxzpivr9qkmfky8hx3gwpdydip52-source/flake.nix:14:19:\n" +
			"           14|           gamma = throw \"gamma fails to evaluate\";\n\n       error: gamma fails to evaluate",
	})
	h := newHarness(t, b)
	v := h.m.View()
	flat := strings.ReplaceAll(strings.Join(strings.Fields(v), ""), "│", "")
	for _, want := range []string{"… while calling the 'throw' builtin", "gamma = throw"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if !strings.Contains(flat, "-source/flake.nix:14:19:") {
		t.Errorf("view lacks the file:line (wrapped or not):\n%s", v)
	}
	if strings.Contains(h.m.status.text, "\n") || !strings.Contains(h.m.status.text, "gamma fails to evaluate") {
		t.Errorf("status = %q, want nix's message in one line", h.m.status.text)
	}
	// Once a build succeeds, the message is gone.
	b.buildErr = nil
	b.buildTo = testPackages()
	h.press("ctrl+r")
	if v := h.m.View(); strings.Contains(v, "while calling") {
		t.Errorf("nix's message still shown after a good build:\n%s", v)
	}
}

func TestWithoutNix(t *testing.T) {
	b := newMemBackend(nil, "rustc", "cargo")
	b.openErr = fmt.Errorf("opening the index: %w", ErrNixMissing)
	h := newHarness(t, b)
	v := h.m.View()
	for _, want := range []string{"nix not found", "nix is not installed", "✓ rustc"} {
		if !strings.Contains(v, want) {
			t.Fatalf("view lacks %q:\n%s", want, v)
		}
	}
	h.typeText("ca")
	h.press("tab", "down", "enter")
	if got := b.attrs(); !slices.Equal(got, []string{"rustc"}) {
		t.Fatalf("file has %v", got)
	}
	for _, c := range b.allCalls() {
		if strings.HasPrefix(c, "search") || strings.HasPrefix(c, "meta") {
			t.Fatalf("called %q without nix", c)
		}
	}
}

func TestMetaFetchedOnceAndCached(t *testing.T) {
	b := newMemBackend(testPackages())
	b.meta = testMeta()
	h := newHarness(t, b)
	h.typeText("cargo-edit")
	want := "homepage github.com/killercup/cargo-edit · MIT · main program cargo-add"
	if !strings.Contains(h.m.View(), want) {
		t.Fatalf("detail lacks %q:\n%s", want, h.m.View())
	}
	h.press("down", "up", "down", "up")
	n := 0
	for _, c := range b.allCalls() {
		if c == "meta cargo-edit" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("meta cargo-edit fetched %d times: %v", n, b.allCalls())
	}
	h.press("ctrl+u")
	h.typeText("hyperfine")
	// Warnings come first.
	if want := "not available on this system · broken · insecure · unfree · unfree"; !strings.Contains(h.m.View(), want) {
		t.Fatalf("detail lacks %q:\n%s", want, h.m.View())
	}
	b.mu.Lock()
	b.metaErr = errors.New("nix eval: timeout")
	b.mu.Unlock()
	h.press("ctrl+u")
	h.typeText("ripgrep")
	if !strings.Contains(h.m.View(), "details unavailable: nix eval: timeout") {
		t.Fatalf("meta error not shown:\n%s", h.m.View())
	}
}

func TestMetaWaitsForTheSelectionToRest(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	h.typeText("cargo")
	h.update(keyMsg("down"))
	stale := h.m.detail.seq
	h.update(keyMsg("down"))
	// The timer of a selection that moved on starts nothing.
	if cmd := h.update(metaWantMsg{seq: stale}); cmd != nil {
		t.Fatal("a passed-over selection fetched its metadata")
	}
}

func TestHelpToggles(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages()))
	if strings.Contains(h.m.View(), "rebuild index") {
		t.Fatal("full help shown before ?")
	}
	h.press("?")
	v := h.m.View()
	if !strings.Contains(v, "rebuild index") || h.m.input.Value() != "" {
		t.Fatalf("? must show the full help and not type:\n%s", v)
	}
	checkSize(t, v, 100, 30)
	h.press("?")
	if strings.Contains(h.m.View(), "rebuild index") {
		t.Fatal("full help still shown")
	}
}

func TestMovementKeys(t *testing.T) {
	// The empty query lists devshell.toml's packages: all 26 here.
	h := newHarness(t, newMemBackend(testPackages(), testAttrs()...))
	rows := h.m.results.cur.height
	sel := func() int { return h.m.results.cur.cursor }
	steps := []struct {
		key  string
		want int
	}{
		{"down", 1}, {"ctrl+n", 2}, {"ctrl+p", 1}, {"up", 0}, {"up", 0},
		{"pgdown", rows}, {"end", 25}, {"pgup", 25 - rows}, {"home", 0},
	}
	for _, s := range steps {
		h.press(s.key)
		if sel() != s.want {
			t.Fatalf("after %s: cursor %d, want %d", s.key, sel(), s.want)
		}
	}
}

func TestFirstFrameHasResultsOnWarmCache(t *testing.T) {
	// The empty query lists devshell.toml's packages (issue 10; the count
	// was "26 / 26" for the index's first rows).
	b := newMemBackend(testPackages(), testAttrs()...)
	m := NewModel(context.Background(), b, ModelOptions{Styles: asciiStyles()})
	m = m.preload(time.Hour) // the load is instant here: it ends first
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	v := nm.View()
	if !strings.Contains(v, "26 in devshell.toml") || !strings.Contains(v, "cargo-edit") {
		t.Fatalf("first frame without results:\n%s", v)
	}
}

func TestSlowLoadStartsScreenFirst(t *testing.T) {
	b := newMemBackend(testPackages())
	b.gate = make(chan struct{})
	m := NewModel(context.Background(), b, ModelOptions{Styles: asciiStyles()})
	m = m.preload(time.Millisecond) // the load is held: the budget ends first
	if m.index.opened {
		t.Fatal("loaded before the gate opened")
	}
	close(b.gate)
	// Init waits for the held step (or an earlier one, on a loaded
	// machine); the steps lead to the index opened, the empty query
	// searched.
	var msg indexOpenedMsg
	var ok bool
	queue := cmdMsgs(m.Init())
	for len(queue) > 0 {
		mm := queue[0]
		queue = queue[1:]
		switch mm := mm.(type) {
		case indexOpenedMsg:
			msg, ok = mm, true
		case loadedMsg, resolvedMsg:
			var next tea.Cmd
			m, next, _ = m.applyLoad(mm)
			queue = append(queue, cmdMsgs(next)...)
		}
	}
	if !ok || msg.index.Count != 26 || !msg.searched {
		t.Fatalf("Init gave %+v", msg)
	}
}

func TestWriteErrorIsShown(t *testing.T) {
	b := newMemBackend(testPackages())
	b.installed = []Installed{{Attr: "cargo", FromCommand: true}}
	h := newHarness(t, b)
	// The panel believes cargo is a plain package; the file says otherwise.
	h.m.panel = h.m.panel.SetItems([]Installed{{Attr: "cargo"}})
	h.press("tab", "enter")
	if !h.m.status.isErr || h.m.status.text != "removing cargo: cargo is provided by a [[commands]] entry" {
		t.Fatalf("status %+v", h.m.status)
	}
	if len(h.m.Changes()) != 0 || h.m.dirty {
		t.Fatalf("a failed write was recorded: %v", h.m.Changes())
	}
}

func TestUnchangedWriteRereadsPackages(t *testing.T) {
	b := newMemBackend(testPackages(), "jq")
	h := newHarness(t, b)
	// Someone removed jq behind the TUI's back.
	b.mu.Lock()
	b.installed = nil
	b.mu.Unlock()
	h.press("tab", "enter")
	if h.m.status.text != "= jq not in devshell.toml" || len(h.m.Changes()) != 0 {
		t.Fatalf("status %q, changes %v", h.m.status.text, h.m.Changes())
	}
	if got := panelAttrs(h.m); len(got) != 0 {
		t.Fatalf("panel shows %v after the re-read", got)
	}
}

func TestMemSearch(t *testing.T) {
	b := newMemBackend(testPackages())
	res := memSearch(b.index, "cargo-ed", 10)
	if res.Total != 2 || res.Rows[0].Pkg.Attr != "cargo-edit" || res.Rows[1].Pkg.Attr != "cargo-edit-unwrapped" {
		t.Fatalf("results %+v", res)
	}
	if !slices.Equal(res.Rows[0].Positions, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("positions %v", res.Rows[0].Positions)
	}
	res = memSearch(b.index, "pyreq", 10)
	if res.Total != 1 || res.Rows[0].Pkg.Attr != "python3Packages.requests" {
		t.Fatalf("results %+v", res)
	}
	if !slices.Equal(res.Rows[0].Positions, []int{0, 1, 16, 17, 18}) {
		t.Fatalf("positions %v", res.Rows[0].Positions)
	}
	res = memSearch(b.index, "cargo", 3)
	if res.Total != 6 || len(res.Rows) != 3 || res.Rows[0].Pkg.Attr != "cargo" {
		t.Fatalf("results %+v", res)
	}
}

func TestModelKeepsOnlyTopRows(t *testing.T) {
	b := newMemBackend(benchPackages(20_000))
	h := newHarness(t, b)
	h.typeText("c")
	if h.m.results.res.Total <= resultLimit || len(h.m.results.res.Rows) != resultLimit {
		t.Fatalf("total %d, rows %d: want more matches than rows, and %d rows", h.m.results.res.Total, len(h.m.results.res.Rows), resultLimit)
	}
	if !strings.Contains(h.m.View(), tuiThousands(h.m.results.res.Total)+" / 20,000") {
		t.Fatalf("count missing:\n%s", h.m.View())
	}
}

func TestProjectWarningShownAtOpen(t *testing.T) {
	b := newMemBackend(testPackages())
	b.warning = "warning: git does not track devshell.toml"
	m := NewModel(context.Background(), b, ModelOptions{Styles: asciiStyles()})
	m = m.preload(time.Hour)
	// The git check runs after the first frame.
	for _, msg := range cmdMsgs(m.Init()) {
		if w, ok := msg.(warningMsg); ok {
			m, _ = m.update(w)
		}
	}
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if v := nm.View(); !strings.Contains(v, "warning: git does not track devshell.toml") {
		t.Fatalf("the project warning is not on the screen:\n%s", v)
	}
}

// TestEscClosesHelpFirst: with the help open, esc closes it and nothing
// else (the query stays, the program does not quit); then esc clears the
// query, then quits.
func TestEscClosesHelpFirst(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages()))
	h.typeText("carg")
	h.press("?")
	if !h.m.help.ShowAll || !strings.Contains(h.m.View(), "rebuild index") {
		t.Fatalf("? does not open the help:\n%s", h.m.View())
	}
	h.press("esc")
	if h.m.help.ShowAll || h.m.input.Value() != "carg" || h.quit {
		t.Fatalf("esc with the help open: help %v, query %q, quit %v; want only the help closed", h.m.help.ShowAll, h.m.input.Value(), h.quit)
	}
	h.press("esc")
	if h.m.input.Value() != "" || h.quit {
		t.Fatalf("second esc: query %q, quit %v; want the query cleared", h.m.input.Value(), h.quit)
	}
	h.press("esc")
	if !h.quit {
		t.Fatal("esc on an empty query does not quit")
	}
}

// TestFooterFollowsFocus: the footer shows the focused area's keys.
func TestFooterFollowsFocus(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages(), "rustc"))
	footer := func() string {
		lines := strings.Split(h.m.View(), "\n")
		return lines[len(lines)-1]
	}
	if f := footer(); !strings.Contains(f, "enter add/remove") || !strings.Contains(f, "tab packages") {
		t.Fatalf("results footer %q", f)
	}
	h.press("tab")
	if f := footer(); !strings.Contains(f, "enter/del remove") || !strings.Contains(f, "tab results") || strings.Contains(f, "add/remove") {
		t.Fatalf("panel footer %q", f)
	}
}

// TestEnterWhileBuildingSaysWhy: enter with no results while the index is
// built says why nothing happened, and writes nothing.
func TestEnterWhileBuildingSaysWhy(t *testing.T) {
	b := newMemBackend(nil)
	b.info = IndexInfo{Missing: true}
	h := newLoadingHarness(t, b)
	h.m, _ = loadSteps(h.m, b)
	h.m, _ = h.m.update(keyMsg("c"))
	h.m, _ = h.m.update(keyMsg("enter"))
	if !strings.Contains(h.m.status.text, "the index is still being built") || h.m.running() {
		t.Fatalf("status %q, write running %v", h.m.status.text, h.m.running())
	}
}

// TestNotesFade: a note ("nothing to undo") asks for a fade timer and is
// cleared by it; a newer note is not cleared by the older one's timer, and
// errors do not fade.
func TestNotesFade(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages()))
	fades := h.ticks["fade"]
	h.press("ctrl+z")
	if h.m.status.text != "nothing to undo" || h.ticks["fade"] != fades+1 {
		t.Fatalf("status %q, fade timers %d (were %d)", h.m.status.text, h.ticks["fade"], fades)
	}
	old := h.m.statusSeq
	h.typeText("cargo-edit")
	h.press("enter")
	if h.m.status.text != "+ cargo-edit added" {
		t.Fatalf("status %q", h.m.status.text)
	}
	h.send(statusFadeMsg{seq: old})
	if h.m.status.text != "+ cargo-edit added" {
		t.Fatalf("an older note's timer cleared the newer note: %q", h.m.status.text)
	}
	h.send(statusFadeMsg{seq: h.m.statusSeq})
	if h.m.status.text != "" {
		t.Fatalf("the note did not fade: %q", h.m.status.text)
	}
	h.m.status = statusError("reading packages: boom")
	h.send(statusFadeMsg{seq: h.m.statusSeq})
	if h.m.status.text == "" {
		t.Fatal("an error faded")
	}
}

// TestUndoMessages: undo reads forwards, and says when the file had
// changed since.
func TestUndoMessages(t *testing.T) {
	b := newMemBackend(testPackages(), "rustc", "cargo-watch", "cargo")
	h := newHarness(t, b)
	h.press("tab", "down", "enter") // remove cargo-watch
	if got := b.attrs(); !slices.Equal(got, []string{"rustc", "cargo"}) {
		t.Fatalf("file has %v", got)
	}
	h.press("ctrl+z")
	if h.m.status.text != "restored cargo-watch" {
		t.Fatalf("status %q", h.m.status.text)
	}
	// Back in its place, not at the end.
	if got := b.attrs(); !slices.Equal(got, []string{"rustc", "cargo-watch", "cargo"}) {
		t.Fatalf("after undo the file has %v", got)
	}
	if got := panelAttrs(h.m); !slices.Equal(got, []string{"rustc", "cargo-watch", "cargo"}) {
		t.Fatalf("after undo the panel shows %v", got)
	}
	h.press("esc") // back to the results
	h.typeText("jq")
	h.press("enter")
	// Someone else edits the file meanwhile.
	b.mu.Lock()
	b.installed = append(b.installed, Installed{Attr: "go"})
	b.mu.Unlock()
	h.press("ctrl+z")
	if want := "removed jq again (devshell.toml had changed since: only its entry was removed)"; h.m.status.text != want {
		t.Fatalf("status %q, want %q", h.m.status.text, want)
	}
	if got := b.attrs(); !slices.Equal(got, []string{"rustc", "cargo-watch", "cargo", "go"}) {
		t.Fatalf("file has %v", got)
	}
}

// TestUndoOfCreate: undoing the add that created devshell.toml says the
// file is gone again, and the panel is back to "no devshell.toml yet"
// (issue 10: the status said the file had changed since).
func TestUndoOfCreate(t *testing.T) {
	b := newMemBackend(testPackages())
	b.noFile = true
	h := newHarness(t, b)
	if v := h.m.View(); !strings.Contains(v, "no devshell.toml yet") {
		t.Fatalf("without devshell.toml the panel does not say so:\n%s", v)
	}
	h.typeText("jq")
	h.press("enter")
	if h.m.status.text != "+ jq added" || b.noFile {
		t.Fatalf("after the add: status %q, file missing %v", h.m.status.text, b.noFile)
	}
	h.press("ctrl+z")
	if want := "removed jq again; devshell.toml, which the add created, is gone"; h.m.status.text != want {
		t.Fatalf("status %q, want %q", h.m.status.text, want)
	}
	if !b.noFile {
		t.Fatalf("the undo did not delete the file; it has %v", b.attrs())
	}
	if v := h.m.View(); !strings.Contains(v, "no devshell.toml yet") {
		t.Fatalf("after the undo the panel does not say the file is gone:\n%s", v)
	}
}

// TestEmptyQueryShowsInstalled: the empty query lists devshell.toml's
// packages with the index's versions and descriptions; with none, a hint
// says how to search; clearing a query brings the list back.
func TestEmptyQueryShowsInstalled(t *testing.T) {
	h := newHarness(t, newMemBackend(testPackages(), "rustc", "jq"))
	v := h.m.View()
	if !strings.Contains(v, "2 in devshell.toml") || !regexp.MustCompile(`✓ rustc\s+1\.89\.0\s+Safe, concurrent`).MatchString(v) ||
		strings.Contains(v, "cargo-audit") {
		t.Fatalf("the empty query does not list devshell.toml's packages:\n%s", v)
	}
	h.typeText("carg")
	h.press("ctrl+u")
	if got := h.m.results.res.Rows; len(got) != 2 || got[0].Pkg.Attr != "rustc" || got[1].Pkg.Attr != "jq" {
		t.Fatalf("after clearing the query: rows %+v", got)
	}

	h = newHarness(t, newMemBackend(testPackages()))
	if v := h.m.View(); !strings.Contains(v, "Type to search 26 packages") || strings.Contains(v, "cargo-audit") {
		t.Fatalf("no hint on the empty query without packages:\n%s", v)
	}
}

// TestDescriptionSearchToggles: ctrl+t switches the query to descriptions
// (the backend's SearchDescriptions) and back, says so, marks the prompt
// while descriptions are searched, and the key is in the footer (reading
// what it switches to) and the full help.
func TestDescriptionSearchToggles(t *testing.T) {
	b := newMemBackend(testPackages())
	h := newHarness(t, b)
	h.typeText("vulnerab")
	if h.m.results.res.Total != 0 {
		t.Fatalf("names: %d matches for vulnerab, want 0", h.m.results.res.Total)
	}
	h.press("ctrl+t")
	if row, ok := h.m.results.Selected(); !ok || row.Pkg.Attr != "cargo-audit" || h.m.results.res.Query != "vulnerab" {
		t.Fatalf("descriptions: selected %+v (query %q), want cargo-audit", row, h.m.results.res.Query)
	}
	if !strings.Contains(h.m.View(), "searching descriptions") {
		t.Errorf("the status does not say descriptions are searched:\n%s", h.m.View())
	}
	h.typeText(" sec") // typing on stays in the mode
	if h.m.results.res.Total != 1 {
		t.Errorf("descriptions \"vulnerab sec\": %d matches, want 1", h.m.results.res.Total)
	}
	// After the note fades, the prompt and the footer still say so, also
	// at the smallest size, where the footer has no room for the key.
	h.send(statusFadeMsg{seq: h.m.statusSeq})
	if v := h.m.View(); strings.Contains(v, "searching descriptions") || !strings.Contains(v, "\n desc > vulnerab sec") || !strings.Contains(v, "ctrl+t names") {
		t.Errorf("after the note, the screen does not show description search (prompt \"desc >\", key \"ctrl+t names\"):\n%s", v)
	}
	h.send(tea.WindowSizeMsg{Width: minWidth, Height: minHeight})
	if v := h.m.View(); !strings.Contains(v, "\n desc > ") {
		t.Errorf("at %d×%d the prompt does not show description search:\n%s", minWidth, minHeight, v)
	}
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.press("ctrl+t")
	if h.m.results.res.Total != 0 || !strings.Contains(h.m.View(), "searching names") {
		t.Errorf("back to names: %d matches\n%s", h.m.results.res.Total, h.m.View())
	}
	if v := h.m.View(); !strings.Contains(v, "ctrl+t descriptions") || !strings.Contains(v, "\n > vulnerab sec") {
		t.Errorf("names: the footer lacks the key, or the prompt is not \" > \":\n%s", v)
	}
	h.press("?")
	if !strings.Contains(h.m.View(), "ctrl+t") {
		t.Errorf("the full help lacks the key:\n%s", h.m.View())
	}
}

// TestAliasNamesShareInstalledMark: a row whose package is installed
// under another name (an alias set) is marked installed, and enter removes
// that name instead of adding a duplicate.
func TestAliasNamesShareInstalledMark(t *testing.T) {
	pkgs := append(testPackages(), nixsearch.Package{Attr: "python313Packages.requests", Version: "2.32.4"})
	b := newMemBackend(pkgs, "python3Packages.requests")
	b.also = map[string][]string{"python313Packages.requests": {"python3Packages.requests"}}
	h := newHarness(t, b)
	h.typeText("python313Packages.requests")
	if !strings.Contains(h.m.View(), "✓ python313Packages.requests") {
		t.Fatalf("the row is not marked installed:\n%s", h.m.View())
	}
	wantEnterRemoves(t, h, b, "python3Packages.requests")
}

// wantEnterRemoves presses enter on a row installed under another name and
// checks that the backend removed that name, the file's only package.
func wantEnterRemoves(t *testing.T, h *harness, b *memBackend, name string) {
	t.Helper()
	h.press("enter")
	if got := b.attrs(); len(got) != 0 {
		t.Fatalf("after enter the file has %v, want %s removed", got, name)
	}
	if got := b.callLog(); !slices.Equal(got, []string{"open", "remove " + name}) {
		t.Fatalf("backend calls %v", got)
	}
}

// TestTwinsShareInstalledMark: once the backend says python313 is
// python3's derivation (Backend.Twins, asked with the panel's packages
// when they are read with an index open), python313's row is marked
// installed and enter removes python3 instead of adding a duplicate; the
// marks arrive even for results already on screen. A failed ask leaves the
// rows as they were.
func TestTwinsShareInstalledMark(t *testing.T) {
	pkgs := append(testPackages(), nixsearch.Package{Attr: "python3", Version: "3.13.7"}, nixsearch.Package{Attr: "python313", Version: "3.13.7"})
	b := newMemBackend(pkgs, "python3")
	b.twins = map[string][]string{"python3": {"python313"}}
	h := newHarness(t, b)
	if len(b.twinsAsked) == 0 || !slices.Equal(b.twinsAsked[len(b.twinsAsked)-1], []string{"python3"}) {
		t.Fatalf("Twins asked %v, want [python3]", b.twinsAsked)
	}
	h.typeText("python313")
	if !strings.Contains(h.m.View(), "✓ python313") {
		t.Fatalf("the row is not marked installed:\n%s", h.m.View())
	}
	// Results on screen before the answer get the mark when it comes.
	h.m.twins = nil
	h.m.results = h.m.results.SetResults(h.m.results.res)
	h.m.results.res.Rows[0].Also = nil
	if strings.Contains(h.m.View(), "✓ python313") {
		t.Fatalf("without twins the row is marked:\n%s", h.m.View())
	}
	h.send(twinsMsg{seq: h.m.twinSeq, twins: nixsearch.TwinsBothWays(b.twins)})
	if !strings.Contains(h.m.View(), "✓ python313") {
		t.Fatalf("the answer did not mark the row:\n%s", h.m.View())
	}
	// An older ask's answer or a failed one changes nothing.
	want := nixsearch.TwinsBothWays(b.twins)
	h.send(twinsMsg{seq: h.m.twinSeq - 1, twins: map[string][]string{"python3": {"hello"}}})
	h.send(twinsMsg{seq: h.m.twinSeq, err: errors.New("nix failed")})
	if !maps.EqualFunc(h.m.twins, want, slices.Equal[[]string]) || !strings.Contains(h.m.View(), "✓ python313") {
		t.Fatalf("a stale or failed answer was applied: twins %v\n%s", h.m.twins, h.m.View())
	}
	wantEnterRemoves(t, h, b, "python3")
}

// TestWhyIsShownBesideTheName: a row matched by its main program says so.
func TestWhyIsShownBesideTheName(t *testing.T) {
	r := resultsModel{}.SetResults(Results{Total: 1, Rows: []Row{{Pkg: nixsearch.Package{Attr: "ripgrep", Version: "14.1.1"}, Why: "rg"}}})
	r = r.SetSize(60, 3)
	if got := strings.Join(r.View(Styles{}, nil, true, "", nil), "\n"); !strings.Contains(got, "ripgrep · rg") {
		t.Errorf("view:\n%s", got)
	}
}

// TestSmartCaseRows: behind the model, nixsearch's Matcher (as devsh
// runs it). A word with an upper-case letter matches case for case: the
// near misses shown for "Rust" were found ignoring case and say so on the
// screen; "rust" finds rustc by name, unmarked. Searching descriptions,
// "Rust" leaves out rustc ("Safe, concurrent, …"), which "rust" finds by
// its name.
func TestSmartCaseRows(t *testing.T) {
	pkgs := testPackages()
	mem := newMemBackend(pkgs)
	h := newHarnessFor(t, mem, newMatcherBackend(mem, pkgs))
	h.typeText("Rust")
	rows := h.m.results.res.Rows
	if len(rows) == 0 || rows[0].Pkg.Attr != "rustc" {
		t.Fatalf("Rust: rows %+v, want rustc first", rows)
	}
	for _, r := range rows {
		if r.Why != nixsearch.WhyCaseIgnored {
			t.Errorf("Rust: %s is not marked %q (%q)", r.Pkg.Attr, nixsearch.WhyCaseIgnored, r.Why)
		}
	}
	if v := h.m.View(); !strings.Contains(v, "rustc · case ignored") {
		t.Errorf("the screen does not say case was ignored:\n%s", v)
	}
	h.press("ctrl+u")
	h.typeText("rust")
	if rows := h.m.results.res.Rows; len(rows) == 0 || rows[0].Pkg.Attr != "rustc" || rows[0].Why != "" {
		t.Errorf("rust: rows %+v, want rustc first, by name", rows)
	}
	attrs := func() []string {
		var out []string
		for _, r := range h.m.results.res.Rows {
			out = append(out, r.Pkg.Attr)
		}
		return out
	}
	h.press("ctrl+t")
	lower := attrs()
	h.press("ctrl+u")
	h.typeText("Rust")
	if cased := attrs(); !slices.Contains(lower, "rustc") || slices.Contains(cased, "rustc") || len(cased) == 0 {
		t.Errorf("descriptions: rust %q, Rust %q; want rustc only in the first", lower, cased)
	}
}

// TestSlowResolveSaysSo: while the nixpkgs is being found (no flake.lock,
// a slow registry), the first frame is drawn with the packages and a
// status saying what is under way.
func TestSlowResolveSaysSo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := slowResolveBackend{newMemBackend(testPackages(), "rustc")}
	m := NewModel(ctx, b, ModelOptions{Styles: asciiStyles()})
	// Resolve never answers: the budget ends (long enough for the packages
	// to be read first on a loaded machine).
	m = m.preload(500 * time.Millisecond)
	nm, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	v := nm.View()
	if !strings.Contains(v, "resolving nixpkgs…") || !strings.Contains(v, "✓ rustc") {
		t.Fatalf("first frame while resolving:\n%s", v)
	}
}
