package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"golang.org/x/sys/unix"
)

// TestCLIBinaryTerminalCheck runs the built binary with one of stdin and
// stdout on a real pseudo-terminal and the other redirected, as in
// `devsh | cat`, `devsh > /dev/null` and `devsh < /dev/null`: each prints
// the help on stderr, exits 2, writes nothing to stdout and leaves
// devshell.toml alone even when keys are typed. With both on the terminal
// the TUI starts (the control that the check is not simply always false).
func TestCLIBinaryTerminalCheck(t *testing.T) {
	goTool := cliRequireTool(t, "go")
	bin := filepath.Join(t.TempDir(), "devsh")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := cliProject(t, cliOneCargo)

	devNull := func() *os.File {
		f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}

	for _, c := range []struct {
		name string
		// stdin and stdout get the pty's terminal side when nil.
		stdin  func() *os.File
		stdout func(t *testing.T) (*os.File, func() string)
	}{
		{name: "stdout piped (devsh | cat)", stdout: cliPipe},
		{name: "stdout to /dev/null", stdout: func(*testing.T) (*os.File, func() string) {
			return devNull(), func() string { return "" }
		}},
		{name: "stdin from /dev/null", stdin: devNull},
	} {
		t.Run(c.name, func(t *testing.T) {
			ptm, pts := cliOpenPTY(t, 80, 24)
			cmd := exec.Command(bin, "-C", dir)
			cmd.Stdin, cmd.Stdout = pts, pts
			if c.stdin != nil {
				cmd.Stdin = c.stdin()
			}
			stdout := func() string { return "" }
			if c.stdout != nil {
				cmd.Stdout, stdout = c.stdout(t)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Keys typed blind must not edit anything.
			if _, err := ptm.Write([]byte("cargo-edit\r")); err != nil {
				t.Fatal(err)
			}
			err := cliWaitBounded(t, cmd)
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
				t.Fatalf("exit: %v, want status 2; stderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "Usage:") {
				t.Errorf("stderr lacks the help:\n%s", stderr.String())
			}
			if out := stdout(); out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if c.stdin != nil {
				// stdout is the terminal: nothing may have been drawn on it.
				if got := cliDrain(t, ptm); got != "" {
					t.Errorf("the terminal received %q, want nothing", got)
				}
			}
			if got := cliRead(t, filepath.Join(dir, "devshell.toml")); got != cliOneCargo {
				t.Errorf("devshell.toml changed: %q", got)
			}
		})
	}

	t.Run("both on the terminal", func(t *testing.T) {
		ptm, pts := cliOpenPTY(t, 80, 24)
		cmd := exec.Command(bin, "-C", dir, "--no-direnv")
		cmd.Stdin, cmd.Stdout = pts, pts
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill() }()
		// The alternate screen is the TUI's first output.
		screen := cliReadUntil(t, ptm, "\x1b[?1049h")
		if !strings.Contains(screen, "\x1b[?1049h") {
			t.Fatalf("the TUI did not start; the terminal received %q; stderr:\n%s", screen, stderr.String())
		}
		if _, err := ptm.Write([]byte{3}); err != nil { // ctrl+c
			t.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, ptm) }()
		if err := cliWaitBounded(t, cmd); err != nil {
			t.Fatalf("devsh on a terminal: %v; stderr:\n%s", err, stderr.String())
		}
	})
}

// cliWaitBounded waits for cmd for at most cliPTYWait, then kills it and
// fails: a TUI started by mistake waits for keys forever.
func cliWaitBounded(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(cliPTYWait):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("devsh did not exit within %v (a TUI no one sees?)", cliPTYWait)
		return nil
	}
}

// cliPipe returns the writing end of a pipe for a child's stdout and a
// function that returns what was written once the child has exited.
func cliPipe(t *testing.T) (*os.File, func() string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		r.Close()
		done <- string(b)
	}()
	return w, func() string {
		w.Close()
		return <-done
	}
}

// cliOpenPTY opens a pseudo-terminal of cols×rows and returns its
// controlling side (the test's keyboard and screen) and its terminal side
// (the child's stdin or stdout).
func cliOpenPTY(t testing.TB, cols, rows int) (ptm, pts *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	var n int
	rc, err := ptm.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if cerr := rc.Control(func(fd uintptr) {
		if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err != nil {
			return
		}
		n, err = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
	}); cerr != nil || err != nil {
		t.Fatalf("unlock the pty: %v %v", cerr, err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the pty's terminal side: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	ws := &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, ws); err != nil {
		t.Fatalf("set the pty size: %v", err)
	}
	// No echo: what the terminal side writes is then only the child's output.
	tio, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatalf("read the pty's modes: %v", err)
	}
	tio.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(int(pts.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatalf("turn the pty's echo off: %v", err)
	}
	return ptm, pts
}

// cliPTYWait bounds each read of the pty: long enough for the TUI's first
// frame on a loaded machine; a deadline for a hung program, not a speed
// assertion.
const cliPTYWait = 20 * time.Second

// cliReadUntil reads the pty until it has received want or cliPTYWait has
// passed, and returns what it received.
func cliReadUntil(t *testing.T, ptm *os.File, want string) string {
	t.Helper()
	return cliReadPTY(t, ptm, func(got string) (bool, time.Time) {
		return strings.Contains(got, want), time.Now().Add(cliPTYWait)
	})
}

// cliDrain returns what the pty has received so far, waiting a moment for
// output still under way.
func cliDrain(t *testing.T, ptm *os.File) string {
	t.Helper()
	return cliReadPTY(t, ptm, func(string) (bool, time.Time) {
		return false, time.Now().Add(200 * time.Millisecond)
	})
}

// cliReadPTY reads the pty until done says so or a read passes its
// deadline, and returns what it received.
func cliReadPTY(t *testing.T, ptm *os.File, done func(got string) (bool, time.Time)) string {
	t.Helper()
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for {
		stop, deadline := done(got.String())
		if stop {
			break
		}
		if err := ptm.SetReadDeadline(deadline); err != nil {
			t.Fatalf("the pty cannot time out reads: %v", err)
		}
		n, err := ptm.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return got.String()
}

// BenchmarkFirstPaint measures, through the built binary on a pty at
// 80×24, the time from starting devsh to its first frame (the first box
// corner on the screen): with a warm index, and without a flake.lock (the
// nixpkgs is resolved behind the first frame, and fails). It reports the
// median and the worst run besides the mean. The pty answers the terminal
// queries a terminal answers (background colour, cursor position), which
// Bubble Tea's init makes before the program starts.
func BenchmarkFirstPaint(b *testing.B) {
	goTool := cliRequireTool(b, "go")
	bin := filepath.Join(b.TempDir(), "devsh")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		name string
		lock bool
	}{{"warm-index", true}, {"no-flake-lock", false}} {
		b.Run(c.name, func(b *testing.B) {
			dir := cliProject(b, cliOneCargo)
			if c.lock {
				if out, err := exec.Command(bin, "-C", dir, "index").CombinedOutput(); err != nil {
					b.Fatalf("devsh index: %v\n%s", err, out)
				}
			} else if err := os.Remove(filepath.Join(dir, "flake.lock")); err != nil {
				b.Fatal(err)
			}
			var times []time.Duration
			for b.Loop() {
				times = append(times, cliFirstPaint(b, bin, dir))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2])/1e6, "ms-median")
			b.ReportMetric(float64(times[len(times)-1])/1e6, "ms-worst")
		})
	}
}

// cliFirstPaint starts devsh on a pty in dir and returns how long its first
// frame took; then it quits it.
func cliFirstPaint(b *testing.B, bin, dir string) time.Duration {
	b.Helper()
	ptm, pts := cliOpenPTY(b, 80, 24)
	cmd := exec.Command(bin, "-C", dir, "--no-direnv")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(got.String(), "╭") {
		if err := ptm.SetReadDeadline(time.Now().Add(cliPTYWait)); err != nil {
			b.Fatal(err)
		}
		n, err := ptm.Read(buf)
		chunk := string(buf[:n])
		got.WriteString(chunk)
		cliPTYAnswer(ptm, chunk)
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			b.Fatalf("no first frame: %v; the terminal received %q", err, got.String())
		}
	}
	elapsed := time.Since(start)
	_, _ = ptm.Write([]byte{3}) // ctrl+c
	go func() { _, _ = io.Copy(io.Discard, ptm) }()
	_ = cmd.Wait()
	return elapsed
}

// TestCLIBinarySearchTerminalWidth runs the built binary's search with
// stdout on a real 50-column pseudo-terminal, so SystemIO reads the width
// from the terminal itself (TestCLISearchTerminalWidth gives it in
// IOStreams): each row longer than 50 columns is cut to them with "…", the
// rest of a row is what the piped search prints. The pty answers the
// terminal queries Bubble Tea's init makes, as a terminal does.
func TestCLIBinarySearchTerminalWidth(t *testing.T) {
	devsh, bin := cliBinaryPath(t)
	dir := cliProject(t, cliOneCargo)
	cliRun(t, "-C", dir, "index").cliWant(t, 0)
	code, piped, _ := devsh("-C", dir, "search", "cargo")
	if code != 0 {
		t.Fatalf("piped search: exit %d", code)
	}

	const cols = 50
	ptm, pts := cliOpenPTY(t, cols, 24)
	cmd := exec.Command(bin, "-C", dir, "search", "cargo")
	cmd.Stdout = pts
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// With the child holding the only terminal side, reads end (EIO) when
	// it exits.
	pts.Close()
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for {
		if err := ptm.SetReadDeadline(time.Now().Add(cliPTYWait)); err != nil {
			t.Fatal(err)
		}
		n, err := ptm.Read(buf)
		chunk := string(buf[:n])
		got.WriteString(chunk)
		cliPTYAnswer(ptm, chunk)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("search on a terminal did not finish within %v; it printed %q", cliPTYWait, got.String())
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("search on a terminal: %v; stderr:\n%s", err, stderr.String())
	}
	out := strings.ReplaceAll(got.String(), "\r\n", "\n") // the pty's output processing
	for _, query := range []string{"\x1b]11;?\x1b\\", "\x1b]11;?\a", "\x1b[6n"} {
		out = strings.ReplaceAll(out, query, "")
	}
	rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := strings.Split(strings.TrimSuffix(piped, "\n"), "\n")
	if len(rows) != len(want) {
		t.Fatalf("the terminal got %d rows, piped %d:\n%q\n%q", len(rows), len(want), out, piped)
	}
	cut := 0
	for i, row := range rows {
		if w := lipgloss.Width(row); w > cols {
			t.Errorf("row %d is %d columns on a %d-column terminal: %q", i, w, cols, row)
		}
		if lipgloss.Width(want[i]) <= cols {
			if row != want[i] {
				t.Errorf("row %d = %q, want it whole: %q", i, row, want[i])
			}
			continue
		}
		cut++
		if !strings.HasSuffix(row, "…") || !strings.HasPrefix(want[i], strings.TrimSuffix(row, "…")) {
			t.Errorf("row %d = %q, want the start of %q and …", i, row, want[i])
		}
	}
	if rows[0] != "✓ cargo                 1.89.0  Downloads your Ru…" {
		t.Errorf("first row = %q, want cargo's cut to %d columns", rows[0], cols)
	}
	if cut == 0 {
		t.Errorf("no row was cut; piped:\n%s", piped)
	}
}

// cliPTYAnswer answers, as a terminal would, the queries Bubble Tea makes
// at start-up that chunk holds: the background colour and the cursor
// position (unanswered, each costs seconds of waiting).
func cliPTYAnswer(ptm *os.File, chunk string) {
	if strings.Contains(chunk, "\x1b]11;?") {
		_, _ = ptm.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
	}
	if strings.Contains(chunk, "\x1b[6n") {
		_, _ = ptm.Write([]byte("\x1b[1;1R"))
	}
}
