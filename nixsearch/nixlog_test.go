package nixsearch

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
			w := &nixStderr{onEval: func(n int) { last = n; calls++ }, lastReport: time.Now()}
			for i := 0; i < len(data); i += 5 {
				w.Write(data[i:min(i+5, len(data))])
			}
			w.finish()
			if w.evaluated != tt.evaluated || (tt.evaluated > 0 && last != tt.evaluated) {
				t.Errorf("evaluated %d (last report %d), want %d", w.evaluated, last, tt.evaluated)
			}
			if tt.evaluated == 0 && calls != 0 {
				t.Errorf("progress called %d times without an evaluated attribute", calls)
			}
			msg, text := w.failure()
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
// nixProgressHeartbeat passed; never more often.
func TestNixStderrHeartbeat(t *testing.T) {
	start := time.Now()
	var calls []int
	w := &nixStderr{onEval: func(n int) { calls = append(calls, n) }, lastReport: start}
	w.heartbeat(start.Add(nixProgressHeartbeat / 2))
	if len(calls) != 0 {
		t.Fatalf("heartbeat before nixProgressHeartbeat: %v", calls)
	}
	w.heartbeat(start.Add(nixProgressHeartbeat))
	if len(calls) != 1 || calls[0] != 0 {
		t.Fatalf("heartbeat after nixProgressHeartbeat: %v, want [0]", calls)
	}
	w.Write([]byte(`@nix {"action":"start","id":1,"level":3,"text":"evaluating 'legacyPackages.x86_64-linux.a'","type":0}` + "\n"))
	if len(calls) != 2 || calls[1] != 1 {
		t.Fatalf("first evaluated attribute: %v, want it reported at once", calls)
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
		if got := nixStripTerminal(tt.in); got != tt.want {
			t.Errorf("nixStripTerminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNixErrorHint: the cause and fix named for nix's own messages. The
// messages are nix's words (2.8 to 2.26 as run here; the too-old one is nix
// 2.3's, written from its source, as no nix that old runs here).
func TestNixErrorHint(t *testing.T) {
	tests := []struct{ cmd, msg, hintHas string }{
		{"nix search", "unrecognised flag '--extra-experimental-features'", "too old for flakes"},
		{"nix flake metadata", "cannot find flake 'flake:nixpkgs' in the flake registries", "flake registry"},
		{"nix flake metadata", "unable to download 'https://api.github.com/repos/NixOS/nixpkgs/tarball/0b7a': Couldn't resolve host name (6)", "`nix flake lock`"},
		{"nix search", "Failed to open archive (Source threw exception: error: unable to download 'https://github.com/NixOS/nixpkgs/archive/0b7a.tar.gz': Couldn't resolve host name (6))", "offline"},
		{"nix flake metadata", "path '//home/user/gone' does not exist", "that path does not exist"},
		{"nix flake metadata", "getting status of '/home/user/gone': No such file or directory", "that path does not exist"},
		{"nix search", "path '/nix/store/2gk7…-source/missing.nix' does not exist", "evaluation error"},
		{"nix flake metadata", "opening Git repository '/home/user/gone': could not find repository", "could not fetch"},
		{"nix eval", "flake 'path:/x' does not provide attribute 'packages.x86_64-linux.legacyPackages.x86_64-linux', 'legacyPackages.x86_64-linux.legacyPackages.x86_64-linux' or 'legacyPackages.x86_64-linux'", "no such attribute"},
		{"nix search", "gamma fails to evaluate", "evaluation error"},
		{"nix flake metadata", "input 'tarball+https://channels.nixos.org/nixos-unstable/nixexprs' is unsupported", "need nix 2.12"},
		{"nix search", "syntax error, unexpected end of file, expecting ';'", "--nixpkgs"},
	}
	for _, tt := range tests {
		hint := nixErrorHint(tt.cmd, tt.msg)
		if !strings.Contains(hint, tt.hintHas) {
			t.Errorf("nixErrorHint(%s, %q) = %q, want it to contain %q", tt.cmd, tt.msg, hint, tt.hintHas)
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
		w := &nixStderr{onEval: func(int) {}, lastReport: time.Now()}
		for i := 0; i < len(data); i += 32 << 10 {
			w.Write(data[i:min(i+32<<10, len(data))])
		}
		w.finish()
		if w.evaluated != 130_000 {
			b.Fatalf("evaluated %d", w.evaluated)
		}
	}
}

// TestNixStderrError: a whole stderr read as nixRun reads it, for callers
// outside the package (devshell's doctor probe).
func TestNixStderrError(t *testing.T) {
	tests := []struct{ name, stderr, msg, text string }{
		{"error event", `@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m don't know how to open Nix store 'bogus://x'","raw_msg":"don't know how to open Nix store 'bogus://x'"}` + "\n",
			"don't know how to open Nix store 'bogus://x'", "error: don't know how to open Nix store 'bogus://x'"},
		{"plain, trace first", "error:\n       … while calling the 'throw' builtin\n       error: gamma fails\n",
			"gamma fails", "error:\n       … while calling the 'throw' builtin\n       error: gamma fails"},
		{"nothing", "", nixNoErrorOutput, ""},
	}
	for _, tt := range tests {
		msg, text := NixStderrError([]byte(tt.stderr))
		if msg != tt.msg || text != tt.text {
			t.Errorf("%s: NixStderrError = %q, %q; want %q, %q", tt.name, msg, text, tt.msg, tt.text)
		}
	}
}
