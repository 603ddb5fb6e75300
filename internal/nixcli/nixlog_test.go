package nixcli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNixStderrSamples feeds recorded stderr of `nix search --log-format
// internal-json` to the parser, a few bytes at a time as a pipe delivers
// it. The *.captured files are real output of the nix builds this machine
// runs (Debian's 2.8 and the 2.24.15 and 2.26.3 builds in ../shared/tools,
// searching the evalerror and broken fixtures; only the fixture directory
// was renamed). The *.written files stand for nix versions that cannot run
// here and are written from the audit of their source (README § Nix
// versions, "Tested with recorded stderr"), not captured:
//   - Determinate Nix ≥ 3.11 reports no per-attribute activity at all;
//   - NixOS master logs it at lvlTalkative (level 4), which the JSON logger
//     still emits;
//   - Lix ≥ 2.91 colours a pipe when FORCE_COLOR is set (escapes inside the
//     messages, also raw_msg), and a Lix ≥ 2.95 whose nix.conf sets a plain
//     log-format would print coloured lines redrawn with CR (the fallback
//     parser for a nix that ignores --log-format).
func TestNixStderrSamples(t *testing.T) {
	tests := []struct {
		file      string
		evaluated int
		message   string // NixError.Message
		textHas   []string
	}{
		{"nix-2.8-search-evalerror.captured", 5, "gamma fails to evaluate", []string{"error: gamma fails to evaluate"}},
		{"nix-2.24-search-evalerror.captured", 5, "gamma fails to evaluate", []string{"error:\n", "… while calling the 'throw' builtin", "flake.nix:14:19", "       error: gamma fails to evaluate"}},
		{"nix-2.26-search-evalerror.captured", 5, "gamma fails to evaluate", []string{"… while calling the 'throw' builtin", "       error: gamma fails to evaluate"}},
		{"nix-2.8-search-syntax.captured", 0, "syntax error, unexpected end of file, expecting ';'", []string{"flake.nix:4:46", "4|     legacyPackages.x86_64-linux = { hello = 1"}},
		{"nix-2.24-search-syntax.captured", 0, "syntax error, unexpected end of file, expecting ';'", []string{"flake.nix:5:1"}},
		{"nix-2.26-search-syntax.captured", 0, "syntax error, unexpected end of file, expecting ';'", []string{"flake.nix:5:1"}},
		{"determinate-3.11-search.written", 0, "no error output", nil},
		{"determinate-3.11-search-error.written", 0, "gamma fails to evaluate", []string{"… while calling the 'throw' builtin"}},
		{"nixos-master-search.written", 5, "gamma fails to evaluate", []string{"… while calling the 'throw' builtin"}},
		{"lix-2.93-search-color.written", 3, "gamma fails to evaluate", []string{"… while evaluating the attribute 'gamma'"}},
		{"lix-2.95-plain-color.written", 3, "gamma fails to evaluate", []string{"warning: Git tree is dirty", "       error: gamma fails to evaluate"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "nixlog", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var last int
			calls := 0
			w := &Stderr{onEval: func(n int) { last = n; calls++ }, lastReport: time.Now()}
			for i := 0; i < len(data); i += 5 {
				w.Write(data[i:min(i+5, len(data))])
			}
			w.Finish()
			if w.evaluated != tt.evaluated || (tt.evaluated > 0 && last != tt.evaluated) {
				t.Errorf("evaluated %d (last report %d), want %d", w.evaluated, last, tt.evaluated)
			}
			if tt.evaluated == 0 && calls != 0 {
				t.Errorf("progress called %d times without an evaluated attribute", calls)
			}
			msg, text := w.Failure()
			if msg != tt.message {
				t.Errorf("message %q, want %q", msg, tt.message)
			}
			for _, s := range tt.textHas {
				if !strings.Contains(text, s) {
					t.Errorf("text lacks %q:\n%s", s, text)
				}
			}
			if strings.ContainsAny(text+msg, "\x1b\r") || strings.Contains(text, "@nix") || strings.Contains(text, "evaluating '") {
				t.Errorf("text keeps escapes, CR, events or progress:\n%q", text)
			}
		})
	}
}

// TestNixStderrHeartbeat: without any evaluated attribute (Determinate Nix
// ≥ 3.11), the heartbeat still calls progress, with 0 (no count), once
// ProgressHeartbeat passed; never more often.
func TestNixStderrHeartbeat(t *testing.T) {
	start := time.Now()
	var calls []int
	w := &Stderr{onEval: func(n int) { calls = append(calls, n) }, lastReport: start}
	w.Heartbeat(start.Add(ProgressHeartbeat / 2))
	if len(calls) != 0 {
		t.Fatalf("heartbeat before ProgressHeartbeat: %v", calls)
	}
	w.Heartbeat(start.Add(ProgressHeartbeat))
	if len(calls) != 1 || calls[0] != 0 {
		t.Fatalf("heartbeat after ProgressHeartbeat: %v, want [0]", calls)
	}
	w.Write([]byte(`@nix {"action":"start","id":1,"level":3,"text":"evaluating 'legacyPackages.x86_64-linux.a'","type":0}` + "\n"))
	if len(calls) != 2 || calls[1] != 1 {
		t.Fatalf("first evaluated attribute: %v, want it reported at once", calls)
	}
}

func TestNixStderrWriter(t *testing.T) {
	var calls []int
	w := &Stderr{onEval: func(n int) { calls = append(calls, n) }}
	// Split writes across line boundaries, as a pipe delivers them.
	input := "evaluating 'legacyPackages.x86_64-linux'...\nevalu" +
		"ating 'legacyPackages.x86_64-linux.a'...\n" +
		"warning: \x1b[35mcoloured\x1b[0m\n"
	for i := 0; i < 25; i++ {
		input += "line " + string(rune('a'+i)) + "\n"
	}
	input += "evaluating 'legacyPackages.x86_64-linux.b'...\n\n" + "error: no final newline"
	for i := 0; i < len(input); i += 7 {
		if _, err := w.Write([]byte(input[i:min(i+7, len(input))])); err != nil {
			t.Fatal(err)
		}
	}
	w.Finish()
	if w.evaluated != 3 {
		t.Errorf("evaluated = %d, want 3", w.evaluated)
	}
	if len(calls) == 0 || calls[0] != 1 || calls[len(calls)-1] != 3 {
		t.Errorf("progress calls = %v, want first 1 and last 3", calls)
	}
	tail := strings.Split(w.tail(), "\n")
	if len(tail) != stderrTailLines {
		t.Errorf("tail has %d lines, want %d: %q", len(tail), stderrTailLines, tail)
	}
	if tail[len(tail)-1] != "error: no final newline" || tail[0] != "line h" {
		t.Errorf("tail = %q", tail)
	}
	for _, l := range tail {
		if strings.Contains(l, "evaluating '") || strings.ContainsRune(l, 0x1b) {
			t.Errorf("tail line %q should not be kept", l)
		}
	}

	edges := &Stderr{}
	edges.Write([]byte("\n  \nerror: x\n\n"))
	if got := edges.tail(); got != "error: x" {
		t.Errorf("blank edge lines kept: %q", got)
	}

	long := &Stderr{}
	long.Write([]byte(strings.Repeat("x", 3*stderrMaxLine) + "\n"))
	if got := len(long.tail()); got != stderrMaxLine {
		t.Errorf("long line kept %d bytes, want %d", got, stderrMaxLine)
	}
}

// TestNixErrorSummary: the line of a plain stderr that says what went
// wrong.
func TestNixErrorSummary(t *testing.T) {
	summaries := []struct{ stderr, want string }{
		{"warning: x\nerror: syntax error, unexpected end of file\n\n       at /nix/store/s/flake.nix:4:46:", "syntax error, unexpected end of file"},
		{"some line\nlast line\n", "last line"},
		{"", "no error output"},
	}
	for _, tt := range summaries {
		if got := ErrorSummary(tt.stderr); got != tt.want {
			t.Errorf("ErrorSummary(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
}

func TestNixStripTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[31;1merror:\x1b[0m x", "error: x"},
		{"a\r\x1b[Kb", "ab"},
		{"\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"multi\nline\r\n", "multi\nline\n"},
		{"c1 \u009b1mcsi", "c1 csi"},
	}
	for _, tt := range tests {
		if got := stripTerminal(tt.in); got != tt.want {
			t.Errorf("stripTerminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkNixStderrEvents is the stderr of a nixpkgs-sized search:
// 130,000 activity start/stop pairs, as --log-format internal-json writes
// them, parsed in 32 KiB writes (a pipe's chunks).
func BenchmarkNixStderrEvents(b *testing.B) {
	var in strings.Builder
	for i := range 130_000 {
		fmt.Fprintf(&in, `@nix {"action":"start","id":%d,"level":3,"parent":0,"text":"evaluating 'legacyPackages.x86_64-linux.pkg%d'","type":0}`+"\n", 73821897883648+i, i)
		fmt.Fprintf(&in, `@nix {"action":"stop","id":%d}`+"\n", 73821897883648+i)
	}
	data := []byte(in.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		w := &Stderr{onEval: func(int) {}, lastReport: time.Now()}
		for i := 0; i < len(data); i += 32 << 10 {
			w.Write(data[i:min(i+32<<10, len(data))])
		}
		w.Finish()
		if w.evaluated != 130_000 {
			b.Fatalf("evaluated %d", w.evaluated)
		}
	}
}

// TestNixStderrError: a whole stderr read as a streamed one is read
// (nixsearch's nixRun), for devshell's doctor probe.
func TestNixStderrError(t *testing.T) {
	tests := []struct{ name, stderr, msg, text string }{
		{"error event", `@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m don't know how to open Nix store 'bogus://x'","raw_msg":"don't know how to open Nix store 'bogus://x'"}` + "\n",
			"don't know how to open Nix store 'bogus://x'", "error: don't know how to open Nix store 'bogus://x'"},
		{"plain, trace first", "error:\n       … while calling the 'throw' builtin\n       error: gamma fails\n",
			"gamma fails", "error:\n       … while calling the 'throw' builtin\n       error: gamma fails"},
		{"nothing", "", NoErrorOutput, ""},
	}
	for _, tt := range tests {
		msg, text := StderrError([]byte(tt.stderr))
		if msg != tt.msg || text != tt.text {
			t.Errorf("%s: StderrError = %q, %q; want %q, %q", tt.name, msg, text, tt.msg, tt.text)
		}
	}
}
