package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The end-to-end test runs the real devsh binary in a real terminal (tmux)
// on a project whose nixpkgs is the fixture flake, with the real nix and
// the real direnv, and reads the screen the way a person would.

const (
	// e2eWidth and e2eHeight are the terminal size, the one the golden
	// screens use.
	e2eWidth, e2eHeight = 100, 30

	// e2eDeadline bounds every wait for a screen, a file or the exit. It
	// is a deadline for a hung program, not a speed assertion: a cold nix
	// evaluation on a loaded two-core CI machine must fit in it easily.
	e2eDeadline = 3 * time.Minute

	// e2ePoll is how often the screen is read while waiting; short, so
	// that the warm-cache test sees the first frame the program draws.
	e2ePoll = 20 * time.Millisecond

	// e2eTmuxSession is the tmux session's name on its private server.
	e2eTmuxSession = "devsh"
)

// e2eJQRow is the project's one package as the empty query lists it.
var e2eJQRow = regexp.MustCompile(`✓ jq\s+1\.8\.1\s+Lightweight`)

// e2eFixtureNixpkgs is the fake nixpkgs flake the project pins (as
// ./fakepkgs), relative to this package's directory.
var e2eFixtureNixpkgs = filepath.Join("..", "nixsearch", "testdata", "fixture", "nixpkgs", "flake.nix")

// e2eProjectTemplate holds the project's flake.nix, devshell.toml and
// .envrc.
var e2eProjectTemplate = filepath.Join("testdata", "e2e", "project")

// TestE2E runs the TUI end to end: with a cold cache it builds the index,
// searches, adds and removes a package and exits; with a warm cache the
// first screen already has results.
func TestE2E(t *testing.T) {
	for _, tool := range []string{"tmux", "nix", "direnv", "git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed by the end-to-end test (CI installs it): %v", tool, err)
		}
	}
	bin := e2eBuild(t)

	t.Run("cold cache", func(t *testing.T) {
		p := e2eNewProject(t, bin)
		if _, err := os.Stat(filepath.Join(p.cache, "devsh")); !os.IsNotExist(err) {
			t.Fatalf("cache directory should not exist before the first run (stat: %v)", err)
		}
		origTOML := p.read("devshell.toml")
		origEnvrc := p.read(".envrc")

		s := p.start()

		// The index is built in the background and its size shown; it is
		// checked against nix's own count once devsh has exited, so that
		// nothing but devsh evaluates the fixture before it.
		count := regexp.MustCompile(`index built: ([0-9,]+) packages`)
		built := s.waitScreen("the index built", func(sc string) bool { return count.MatchString(sc) })
		n := e2eNumber(t, count.FindStringSubmatch(built)[1])
		// The empty query lists devshell.toml's one package (issue 10; the
		// input line said "n / n" over the index's first rows).
		s.waitScreen("the count in the header and devshell.toml listed", func(sc string) bool {
			return strings.Contains(sc, fmt.Sprintf("· %d packages", n)) &&
				strings.Contains(sc, "1 in devshell.toml") && e2eJQRow.MatchString(sc)
		})
		if m, _ := filepath.Glob(filepath.Join(p.cache, "devsh", "index-*.bin")); len(m) != 1 {
			t.Fatalf("want one index file in the cache after the build, found %q", m)
		}

		// Search.
		s.typeText("cargo-ed")
		selected := regexp.MustCompile(`▸\s+cargo-edit\s+0\.13\.7\s`)
		s.waitScreen("cargo-edit 0.13.7 selected", func(sc string) bool {
			return selected.MatchString(sc) && strings.Contains(sc, "> cargo-ed")
		})

		// Enter adds it: one new line, the rest of the file byte for byte.
		s.keys("Enter")
		added := s.waitFile("devshell.toml with cargo-edit", func(b []byte) bool {
			return bytes.Contains(b, []byte("cargo-edit"))
		})
		e2eCheckOneLineAdded(t, origTOML, added, `  "cargo-edit",`)
		s.waitScreen("the add reported", func(sc string) bool {
			return strings.Contains(sc, "+ cargo-edit added")
		})

		// Enter again removes it: the original bytes.
		s.keys("Enter")
		s.waitFile("devshell.toml back to its original bytes", func(b []byte) bool {
			return bytes.Equal(b, origTOML)
		})
		s.waitScreen("the removal reported", func(sc string) bool {
			return strings.Contains(sc, "- cargo-edit removed")
		})

		// ctrl+c syncs, quits with status 0 and prints the session's changes.
		s.keys("C-c")
		if code := s.waitExit(); code != 0 {
			s.fatalf(s.capture(), "devsh exited with status %d, want 0", code)
		}
		changes := []string{"+ cargo-edit added", "- cargo-edit removed", "direnv reloaded"}
		s.finalScreen(fmt.Sprintf("%q after exit", changes), func(sc string) bool {
			return !slices.ContainsFunc(changes, func(w string) bool { return !strings.Contains(sc, w) })
		})
		if got := p.read("devshell.toml"); !bytes.Equal(got, origTOML) {
			t.Fatalf("devshell.toml after exit:\n%s\nwant the original:\n%s", got, origTOML)
		}
		if got := p.read(".envrc"); !bytes.Equal(got, origEnvrc) {
			t.Fatalf(".envrc changed although it already watched devshell.toml:\n%s", got)
		}
		p.checkAllowed()
		if want := p.nixSearchCount(); n != want {
			s.fatalf(built, "index built with %d packages, nix search finds %d", n, want)
		}
	})

	t.Run("80x24", func(t *testing.T) {
		// The most common terminal: a person types, adds, removes, undoes
		// both (the file's bytes checked each time), opens and closes the
		// help with esc, and quits.
		p := e2eNewProject(t, bin)
		orig := p.read("devshell.toml")
		s := p.startIn(80, 24, "")
		s.waitScreen("devshell.toml listed", func(sc string) bool { return e2eJQRow.MatchString(sc) })

		s.typeText("cargo-watch")
		row := regexp.MustCompile(`▸\s+cargo-watch\s+8\.5\.3\s+Watches`)
		s.waitScreen("cargo-watch selected, name and version in full", func(sc string) bool { return row.MatchString(sc) })
		s.keys("Enter")
		added := s.waitFile("devshell.toml with cargo-watch", func(b []byte) bool { return bytes.Contains(b, []byte("cargo-watch")) })
		e2eCheckOneLineAdded(t, orig, added, `  "cargo-watch",`)
		s.waitScreen("the add reported", func(sc string) bool { return strings.Contains(sc, "+ cargo-watch added") })

		// Remove jq, which has a comment, from the packages panel.
		s.keys("Tab")
		s.waitScreen("the panel focused", func(sc string) bool { return strings.Contains(sc, "enter/del remove") })
		s.keys("Enter")
		s.waitFile("devshell.toml without jq", func(b []byte) bool { return !bytes.Contains(b, []byte(`"jq"`)) })
		s.waitScreen("the removal reported", func(sc string) bool { return strings.Contains(sc, "- jq removed") })

		// Undo brings jq back with its comment, in its place: the bytes
		// after the add; undo again: the original bytes.
		s.keys("C-z")
		s.waitFile("devshell.toml as after the add", func(b []byte) bool { return bytes.Equal(b, added) })
		s.waitScreen("the undo reported", func(sc string) bool { return strings.Contains(sc, "restored jq") })
		s.keys("C-z")
		s.waitFile("devshell.toml back to its original bytes", func(b []byte) bool { return bytes.Equal(b, orig) })
		s.waitScreen("the second undo reported", func(sc string) bool { return strings.Contains(sc, "removed cargo-watch again") })

		// The help opens with ? and esc closes it, and only it.
		s.keys("Escape") // back to the results
		// (Waiting, as a person does: an esc and a key sent at once read as
		// alt+key.)
		s.waitScreen("the results focused", func(sc string) bool { return strings.Contains(sc, "tab packages") })
		s.typeText("?")
		s.waitScreen("the help", func(sc string) bool { return strings.Contains(sc, "rebuild index") })
		s.keys("Escape")
		s.waitScreen("the help closed, the query kept", func(sc string) bool {
			return !strings.Contains(sc, "rebuild index") && strings.Contains(sc, "> cargo-watch")
		})
		if s.exited() {
			s.fatalf(s.capture(), "esc with the help open quit devsh")
		}

		s.keys("C-c")
		if code := s.waitExit(); code != 0 {
			s.fatalf(s.capture(), "devsh exited with status %d, want 0", code)
		}
		if got := p.read("devshell.toml"); !bytes.Equal(got, orig) {
			t.Fatalf("devshell.toml after exit:\n%s\nwant the original:\n%s", got, orig)
		}
		p.checkAllowed()
	})

	t.Run("stdout redirected", func(t *testing.T) {
		// devsh > file on a terminal: the help on stderr, exit 2, nothing
		// written, and keys typed blind edit nothing.
		p := e2eNewProject(t, bin)
		orig := p.read("devshell.toml")
		out := filepath.Join(p.root, "stdout")
		s := p.startIn(80, 24, out)
		s.typeText("cargo-watch")
		s.keys("Enter")
		if code := s.waitExit(); code != 2 {
			s.fatalf(s.capture(), "devsh > file exited with status %d, want 2", code)
		}
		s.finalScreen("the help", func(sc string) bool { return strings.Contains(sc, "Usage:") })
		if b, err := os.ReadFile(out); err != nil || len(b) != 0 {
			t.Fatalf("stdout file: %q, %v; want it empty", b, err)
		}
		if got := p.read("devshell.toml"); !bytes.Equal(got, orig) {
			t.Fatalf("devshell.toml changed:\n%s", got)
		}
	})

	t.Run("NO_COLOR", func(t *testing.T) {
		// NO_COLOR drops the colours, not the attributes: the matched
		// letters of a result row stay bold and underlined, as in fzf
		// (issue 10: termenv's own NO_COLOR reading gave the Ascii profile,
		// which wrote no attribute at all).
		p := e2eNewProject(t, bin)
		p.run(bin, "index")
		p.env = append(p.env, "NO_COLOR=1")
		s := p.startIn(80, 24, "")
		s.typeText("cargo-wat")
		row := regexp.MustCompile(`▸\s+cargo-watch\s+8\.5\.3\s+Watches`)
		s.waitScreen("cargo-watch selected", func(sc string) bool { return row.MatchString(sc) })
		screen := s.captureEscapes()
		var rowCodes []string
		for _, line := range strings.Split(screen, "\n") {
			if row.MatchString(e2eSGR.ReplaceAllString(line, "")) {
				rowCodes = e2eSGRParams(line)
			}
		}
		if !slices.Contains(rowCodes, "1") || !slices.Contains(rowCodes, "4") {
			s.fatalf(s.capture(), "with NO_COLOR the result row's match is not bold and underlined; its codes: %q; row with escapes:\n%q",
				rowCodes, screen)
		}
		for _, c := range e2eSGRParams(screen) {
			if n, _ := strconv.Atoi(c); n >= 30 && n <= 38 || n >= 40 && n <= 48 || n >= 90 && n <= 107 {
				s.fatalf(s.capture(), "with NO_COLOR the screen has the colour code %s:\n%q", c, screen)
			}
		}
		s.keys("C-c")
		if code := s.waitExit(); code != 0 {
			s.fatalf(s.capture(), "devsh exited with status %d, want 0", code)
		}
	})

	t.Run("warm cache", func(t *testing.T) {
		p := e2eNewProject(t, bin)
		want := p.nixSearchCount()
		// Warm the cache with the one-shot command, then note the index
		// file so that a rebuild would show.
		p.run(bin, "index")
		before := p.cacheFiles()
		if len(before) == 0 {
			t.Fatalf("devsh index left no index file in %s", p.cache)
		}
		origTOML := p.read("devshell.toml")

		s := p.start()
		// The first frame is the first complete one: from the header to
		// the help line (tmux may show a frame half drawn).
		first := s.waitScreen("the first frame", func(sc string) bool {
			return strings.Contains(sc, " devsh ") && strings.Contains(sc, "? help")
		})
		// Whether the first frame already has the results depends on the
		// load finishing within tui's first-frame budget, which is a matter
		// of machine load; TestFirstFrameHasResultsOnWarmCache checks the preload.
		// Here: no build is ever shown, and the results come from the warm
		// cache.
		for _, w := range []string{"building index", "index built"} {
			if strings.Contains(first, w) {
				s.fatalf(first, "the first frame with a warm cache shows %q", w)
			}
		}
		// The empty query lists devshell.toml's jq, with the index's
		// version (issue 10; it was the index's first rows, "n / n").
		shown := s.waitScreen("the results from the warm cache", func(sc string) bool {
			return strings.Contains(sc, fmt.Sprintf("· %d packages", want)) &&
				strings.Contains(sc, "1 in devshell.toml") && e2eJQRow.MatchString(sc)
		})
		for _, w := range []string{"building index", "index built"} {
			if strings.Contains(shown, w) {
				s.fatalf(shown, "a warm cache shows %q", w)
			}
		}

		s.typeText("cargo-ed")
		s.waitScreen("cargo-edit 0.13.7 selected", func(sc string) bool {
			return regexp.MustCompile(`▸\s+cargo-edit\s+0\.13\.7\s`).MatchString(sc)
		})
		s.keys("C-c")
		if code := s.waitExit(); code != 0 {
			s.fatalf(s.capture(), "devsh exited with status %d, want 0", code)
		}
		if after := s.capture(); strings.Contains(after, "added") || strings.Contains(after, "removed") {
			s.fatalf(after, "a session that changed nothing should print no change")
		}
		if got := p.read("devshell.toml"); !bytes.Equal(got, origTOML) {
			t.Fatalf("devshell.toml changed by a session without edits:\n%s", got)
		}
		if got := p.cacheFiles(); !e2eSameFiles(before, got) {
			t.Fatalf("the index was rebuilt although the cache was warm:\nbefore %v\nafter  %v", before, got)
		}
		p.checkAllowed()
	})
}

// e2eBuild builds cmd/devsh into a temporary directory.
func e2eBuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "devsh")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/devsh/devsh/cmd/devsh")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/devsh: %v\n%s", err, out)
	}
	return bin
}

// e2eProject is a temporary devshell project with its own HOME, XDG
// directories and flake registry.
type e2eProject struct {
	t     *testing.T
	bin   string
	root  string // holds everything below
	dir   string // the project
	cache string // XDG_CACHE_HOME
	env   []string
}

// e2eNewProject sets the project up as a person would: the files, git,
// a locked flake and an allowed .envrc.
func e2eNewProject(t *testing.T, bin string) *e2eProject {
	t.Helper()
	root := t.TempDir()
	p := &e2eProject{t: t, bin: bin, root: root, dir: filepath.Join(root, "project"), cache: filepath.Join(root, "cache")}
	for _, d := range []string{"home", "cache", "data", "config", "project/fakepkgs"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"flake.nix", "devshell.toml", ".envrc"} {
		e2eCopy(t, filepath.Join(e2eProjectTemplate, name), filepath.Join(p.dir, name))
	}
	e2eCopy(t, e2eFixtureNixpkgs, filepath.Join(p.dir, "fakepkgs", "flake.nix"))
	registry := filepath.Join(root, "registry.json")
	// An empty flake registry: nix must never try to download the global one.
	if err := os.WriteFile(registry, []byte(`{"flakes":[],"version":2}`), 0o644); err != nil {
		t.Fatal(err)
	}

	vars := map[string]string{
		"HOME":            filepath.Join(root, "home"),
		"XDG_CACHE_HOME":  p.cache,
		"XDG_DATA_HOME":   filepath.Join(root, "data"),
		"XDG_CONFIG_HOME": filepath.Join(root, "config"),
		"NIX_CONFIG":      "flake-registry = " + registry,
		"TERM":            "screen",
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case vars[k] != "", k == "TMUX", k == "TMUX_PANE", k == "NO_COLOR",
			k == "DEVSH_CACHE_DIR", k == "DEVSH_NIXPKGS", strings.HasPrefix(k, "DIRENV_"):
			continue
		}
		p.env = append(p.env, kv)
	}
	for k, v := range vars {
		p.env = append(p.env, k+"="+v)
	}

	p.run("git", "init", "-q")
	p.run("git", "add", "-A")
	p.run("nix", "--extra-experimental-features", "nix-command flakes", "flake", "lock")
	p.run("direnv", "allow", ".")
	p.checkAllowed()
	return p
}

// e2eCopy copies a file.
func e2eCopy(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs a program in the project and returns its standard output.
func (p *e2eProject) run(name string, args ...string) []byte {
	p.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = p.dir, p.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		p.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

func (p *e2eProject) read(name string) []byte {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, name))
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// nixSearchCount is the number of packages nix itself finds in the fixture.
func (p *e2eProject) nixSearchCount() int {
	p.t.Helper()
	out := p.run("nix", "--extra-experimental-features", "nix-command flakes",
		"search", "--json", "path:"+filepath.Join(p.dir, "fakepkgs"), "^")
	var found map[string]json.RawMessage
	if err := json.Unmarshal(out, &found); err != nil {
		p.t.Fatalf("nix search output: %v", err)
	}
	if len(found) == 0 {
		p.t.Fatal("nix search found nothing in the fixture")
	}
	return len(found)
}

// checkAllowed fails unless direnv reports the project's .envrc allowed.
func (p *e2eProject) checkAllowed() {
	p.t.Helper()
	out := p.run("direnv", "status")
	// direnv 2.32 prints "true", later versions print 0 (allowed).
	if !regexp.MustCompile(`(?m)^Found RC allowed (true|0)$`).Match(out) {
		p.t.Fatalf("direnv status should show the .envrc allowed:\n%s", out)
	}
}

// e2eFile is a cache file's name, size and modification time.
type e2eFile struct {
	name string
	size int64
	mod  time.Time
}

// cacheFiles lists the index files in devsh's cache.
func (p *e2eProject) cacheFiles() []e2eFile {
	p.t.Helper()
	m, err := filepath.Glob(filepath.Join(p.cache, "devsh", "index-*.bin"))
	if err != nil {
		p.t.Fatal(err)
	}
	var out []e2eFile
	for _, f := range m {
		fi, err := os.Stat(f)
		if err != nil {
			p.t.Fatal(err)
		}
		out = append(out, e2eFile{filepath.Base(f), fi.Size(), fi.ModTime()})
	}
	return out
}

// e2eSameFiles reports whether two listings have the same files, sizes and
// modification times.
func e2eSameFiles(a, b []e2eFile) bool {
	return slices.EqualFunc(a, b, func(x, y e2eFile) bool {
		return x.name == y.name && x.size == y.size && x.mod.Equal(y.mod)
	})
}

// e2eSession is devsh running in a detached tmux session on a private
// tmux server.
type e2eSession struct {
	t        *testing.T
	p        *e2eProject
	socket   string // tmux -S path
	exitFile string // holds devsh's exit status once it has ended
}

// start runs devsh in the project in a new tmux server of its own, which
// the test's cleanup kills, at e2eWidth×e2eHeight.
func (p *e2eProject) start() *e2eSession {
	p.t.Helper()
	return p.startIn(e2eWidth, e2eHeight, "")
}

// startIn is start at w×h; stdout, when set, is a file devsh's standard
// output is redirected to (the keyboard stays the terminal's).
func (p *e2eProject) startIn(w, h int, stdout string) *e2eSession {
	p.t.Helper()
	// A short directory of its own: a socket path must fit in 108 bytes.
	sockDir, err := os.MkdirTemp("", "devsh-tmux")
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { os.RemoveAll(sockDir) })
	s := &e2eSession{t: p.t, p: p, socket: filepath.Join(sockDir, "sock"), exitFile: filepath.Join(p.root, "exit-status")}

	conf := filepath.Join(p.root, "tmux.conf")
	// No status line (the pane is the whole 100×30 window) and the pane
	// stays readable after devsh exits.
	if err := os.WriteFile(conf, []byte("set -g status off\nset -g remain-on-exit on\n"), 0o644); err != nil {
		p.t.Fatal(err)
	}
	script := filepath.Join(p.root, "run.sh")
	var sh strings.Builder
	for _, kv := range p.env {
		k, v, _ := strings.Cut(kv, "=")
		if regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(k) {
			fmt.Fprintf(&sh, "export %s=%s\n", k, e2eQuote(v))
		}
	}
	// A watchdog ends the tmux server when the test process is gone
	// without its cleanup (killed by go test's timeout, say); a normal
	// kill-server ends the watchdog with the pane.
	fmt.Fprintf(&sh, "(while kill -0 %d; do sleep 1; done; tmux -S %s kill-server) >/dev/null 2>&1 &\n",
		os.Getpid(), e2eQuote(s.socket))
	redirect := ""
	if stdout != "" {
		redirect = " > " + e2eQuote(stdout)
	}
	fmt.Fprintf(&sh, "cd %s || exit 1\n%s%s\necho $? > %s\n", e2eQuote(p.dir), e2eQuote(p.bin), redirect, e2eQuote(s.exitFile))
	if err := os.WriteFile(script, []byte(sh.String()), 0o644); err != nil {
		p.t.Fatal(err)
	}

	p.t.Cleanup(func() {
		_ = exec.Command("tmux", "-S", s.socket, "kill-server").Run()
	})
	s.tmux("-f", conf, "new-session", "-d", "-s", e2eTmuxSession,
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "sh "+e2eQuote(script))
	return s
}

// e2eQuote quotes s for sh.
func e2eQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (s *e2eSession) tmux(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...)
	cmd.Env = s.p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// capture is the visible screen as text, without colours.
func (s *e2eSession) capture() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-S", "-", "-t", e2eTmuxSession)
}

// captureEscapes is the visible screen with its attributes and colours as
// SGR escape sequences.
func (s *e2eSession) captureEscapes() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-e", "-t", e2eTmuxSession)
}

// e2eSGR matches an SGR escape sequence (attributes and colours).
var e2eSGR = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// e2eSGRParams returns the parameters of every SGR sequence in s, in
// order ("1", "4", "38", "5", "6"; "0" for an empty one).
func e2eSGRParams(s string) []string {
	var out []string
	for _, m := range e2eSGR.FindAllStringSubmatch(s, -1) {
		if m[1] == "" {
			out = append(out, "0")
			continue
		}
		out = append(out, strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' })...)
	}
	return out
}

func (s *e2eSession) typeText(text string) {
	s.t.Helper()
	s.tmux("send-keys", "-t", e2eTmuxSession, "-l", text)
}

func (s *e2eSession) keys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", e2eTmuxSession}, keys...)...)
}

// fatalf fails the test, showing the screen.
func (s *e2eSession) fatalf(screen, format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s\nscreen:\n%s", fmt.Sprintf(format, args...), e2eFrame(screen))
}

// e2eFrame draws the screen inside a border so that trailing blanks show.
func e2eFrame(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("| " + l + "\n")
	}
	return b.String()
}

// exited reports whether devsh has ended.
func (s *e2eSession) exited() bool {
	_, err := os.Stat(s.exitFile)
	return err == nil
}

// waitScreen polls the screen until ok accepts it and returns it. It fails
// when devsh ends first or the deadline passes.
func (s *e2eSession) waitScreen(what string, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(e2eDeadline)
	for {
		done := s.exited()
		screen := s.capture()
		if ok(screen) {
			return screen
		}
		if done {
			s.fatalf(screen, "devsh exited while waiting for %s", what)
		}
		if time.Now().After(deadline) {
			s.fatalf(screen, "no %s after %v", what, e2eDeadline)
		}
		time.Sleep(e2ePoll)
	}
}

// finalScreen polls the screen of an ended devsh until ok accepts it: the
// exit status is written as devsh ends, and tmux may not have read the
// pane's last output yet (a loaded machine showed an empty pane).
func (s *e2eSession) finalScreen(what string, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(e2eDeadline)
	for {
		screen := s.capture()
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			s.fatalf(screen, "the terminal should show %s", what)
		}
		time.Sleep(e2ePoll)
	}
}

// waitFile polls the project's devshell.toml until ok accepts it.
func (s *e2eSession) waitFile(what string, ok func([]byte) bool) []byte {
	s.t.Helper()
	deadline := time.Now().Add(e2eDeadline)
	for {
		b, err := os.ReadFile(filepath.Join(s.p.dir, "devshell.toml"))
		if err == nil && ok(b) {
			return b
		}
		if time.Now().After(deadline) {
			s.fatalf(s.capture(), "no %s after %v; devshell.toml is:\n%s", what, e2eDeadline, b)
		}
		time.Sleep(e2ePoll)
	}
}

// waitExit waits for devsh to end and returns its exit status.
func (s *e2eSession) waitExit() int {
	s.t.Helper()
	deadline := time.Now().Add(e2eDeadline)
	for !s.exited() {
		if time.Now().After(deadline) {
			s.fatalf(s.capture(), "devsh did not exit after %v", e2eDeadline)
		}
		time.Sleep(e2ePoll)
	}
	// The shell creates the file before it writes the status.
	for {
		b, err := os.ReadFile(s.exitFile)
		if err != nil {
			s.t.Fatal(err)
		}
		if text := strings.TrimSpace(string(b)); strings.HasSuffix(string(b), "\n") {
			code, err := strconv.Atoi(text)
			if err != nil {
				s.t.Fatalf("exit status file: %q: %v", b, err)
			}
			return code
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("exit status file stays incomplete: %q", b)
		}
		time.Sleep(e2ePoll)
	}
}

// e2eNumber parses a count as the TUI shows it ("129,815").
func e2eNumber(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		t.Fatalf("count %q: %v", s, err)
	}
	return n
}

// e2eCheckOneLineAdded fails unless got is orig with exactly one more
// line, equal to line.
func e2eCheckOneLineAdded(t *testing.T, orig, got []byte, line string) {
	t.Helper()
	o := strings.SplitAfter(string(orig), "\n")
	g := strings.SplitAfter(string(got), "\n")
	if len(g) != len(o)+1 {
		t.Fatalf("devshell.toml should have gained one line:\n%s\noriginal:\n%s", got, orig)
	}
	i := 0
	for i < len(o) && o[i] == g[i] {
		i++
	}
	if strings.TrimSuffix(g[i], "\n") != line {
		t.Fatalf("devshell.toml: line %d is %q, want %q; file:\n%s", i+1, g[i], line, got)
	}
	if rest := strings.Join(g[:i], "") + strings.Join(g[i+1:], ""); rest != string(orig) {
		t.Fatalf("devshell.toml changed beyond the new line:\n%s\noriginal:\n%s", got, orig)
	}
}
