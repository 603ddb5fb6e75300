package devshell

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devsh/devsh/internal/run/runtest"
)

// direnvRaceInjected is the content an attacker writes into .envrc while
// devsh re-allows it.
const direnvRaceInjected = "export DEVSH_TEST=1\nexport INJECTED=1\n"

// direnvRaceRunner runs the real direnv, but before each `direnv allow` it
// calls inject: that is where an attacker's write lands when it wins the
// race between devsh's write and direnv's read of the file. The write
// itself is real; only its moment is chosen, because the window is too
// short to hit on purpose otherwise.
type direnvRaceRunner struct {
	inject func()
	after  func()
}

func (r direnvRaceRunner) Run(ctx context.Context, c Command) error {
	isAllow := len(c.Args) > 1 && c.Args[1] == "allow"
	if isAllow && r.inject != nil {
		r.inject()
	}
	err := ExecRunner{}.Run(ctx, c)
	if isAllow && r.after != nil {
		r.after()
	}
	return err
}

// direnvRaceApproved reports whether direnv holds an approval of content
// for the RC file at path (its record exists).
func direnvRaceApproved(path string, content []byte) bool {
	return direnvApprovals{dir: direnvAllowDir(os.Getenv), path: path}.has(content)
}

// TestDirenvReallowRaceNeverWidens: content written into an approved .envrc
// after devsh wrote it and before `direnv allow` read it is never left
// approved (real direnv 2.32 and 2.37). Three attacker timings, ten runs
// each: the write lands before direnv reads (and stays), lands before and is
// undone after direnv read (the file then looks like devsh's), or races
// direnv's read at a random moment.
func TestDirenvReallowRaceNeverWidens(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		const runsPerTiming = 10
		runs, approvedByDirenv, leftApproved, reallowedForeign := 0, 0, 0, 0
		for _, timing := range []string{"stays", "undone", "random"} {
			for i := range runsPerTiming {
				direnvTestEnv(t)
				dir, envrc := direnvTestProject(t, direnvTestEnvrc)
				direnvTestRun(t, b, dir, "allow")
				injected := []byte(direnvRaceInjected + "# run " + timing + " " + string(rune('0'+i)) + "\n")
				var written []byte
				var wg sync.WaitGroup
				r := direnvRaceRunner{}
				switch timing {
				case "stays":
					r.inject = func() { _ = os.WriteFile(envrc, injected, 0o644) }
				case "undone":
					r.inject = func() {
						written, _ = os.ReadFile(envrc)
						_ = os.WriteFile(envrc, injected, 0o644)
					}
					r.after = func() {
						// Record now whether direnv approved the injected
						// content, then put devsh's bytes back.
						if direnvRaceApproved(envrc, injected) {
							approvedByDirenv++
						}
						_ = os.WriteFile(envrc, written, 0o644)
					}
				case "random":
					r.inject = func() {
						wg.Add(1)
						go func() {
							defer wg.Done()
							time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
							_ = os.WriteFile(envrc, injected, 0o644)
						}()
					}
				}
				d := Direnv{Runner: r, Bin: b.path}
				res, err := d.SafeEnvrcUpdate(context.Background(), envrc, direnvTestAppend)
				wg.Wait()
				runs++
				if direnvRaceApproved(envrc, injected) {
					leftApproved++
					t.Errorf("%s run %d: the injected content is approved after devsh's re-allow (res %+v, err %v)", timing, i, res, err)
				}
				if res.Reallowed && err == nil {
					if got, _ := os.ReadFile(envrc); string(got) == string(injected) && direnvTestLoads(t, b, dir) {
						reallowedForeign++
						t.Errorf("%s run %d: devsh said re-allowed and direnv loads the injected content", timing, i)
					}
				}
				if timing != "random" {
					if err == nil || !strings.Contains(err.Error(), "revoked") && !strings.Contains(err.Error(), "did not approve") {
						t.Errorf("%s run %d: err = %v, want one saying the foreign approval was revoked", timing, i, err)
					}
					if res.Reallowed {
						t.Errorf("%s run %d: Reallowed = true", timing, i)
					}
				}
				if got, _ := os.ReadFile(envrc); string(got) == string(injected) && direnvTestLoads(t, b, dir) {
					t.Errorf("%s run %d: direnv loads the injected .envrc", timing, i)
				}
			}
		}
		t.Logf("direnv %v: %d race runs; direnv approved the injected content in %d undone runs before devsh checked; left approved: %d; re-allowed foreign: %d",
			b.version, runs, approvedByDirenv, leftApproved, reallowedForeign)
	})
}

// TestDirenvSymlinkedEnvrcKeepsApproval: an .envrc that is a symlink to a
// file outside the project stays approved after devsh edits it (direnv
// 2.32 and 2.37 key approvals by the link's own path, which `direnv allow
// PATH` would resolve away).
func TestDirenvSymlinkedEnvrcKeepsApproval(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		direnvTestEnv(t)
		base := t.TempDir()
		shared := filepath.Join(base, "shared", "envrc")
		if err := os.MkdirAll(filepath.Dir(shared), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(shared, []byte(direnvTestEnvrc), 0o644); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(base, "proj")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		envrc := filepath.Join(dir, ".envrc")
		if err := os.Symlink(shared, envrc); err != nil {
			t.Fatal(err)
		}
		direnvTestRun(t, b, dir, "allow")
		d := Direnv{Bin: b.path}
		direnvTestStatus(t, d, b, dir, envrc, Allowed)

		res, err := d.SafeEnvrcUpdate(context.Background(), envrc, direnvTestAppend)
		if err != nil {
			t.Fatalf("SafeEnvrcUpdate: %v", err)
		}
		if !res.Reallowed || !res.Allowed {
			t.Errorf("SafeEnvrcUpdate = %+v, want re-allowed", res)
		}
		if fi, err := os.Lstat(envrc); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf(".envrc is no longer a symlink: %v %v", fi, err)
		}
		direnvTestStatus(t, d, b, dir, envrc, Allowed)
		if !direnvTestLoads(t, b, dir) {
			t.Error("the symlinked .envrc does not load after the edit")
		}
	})
}

// TestDirenvNewlineInPathKeepsApproval: a project directory whose name holds
// a newline keeps its approval through an edit (2.32's text status prints
// the path raw, over two lines).
func TestDirenvNewlineInPathKeepsApproval(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		direnvTestEnv(t)
		dir := filepath.Join(t.TempDir(), "my\nproj")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		envrc := filepath.Join(dir, ".envrc")
		if err := os.WriteFile(envrc, []byte(direnvTestEnvrc), 0o644); err != nil {
			t.Fatal(err)
		}
		direnvTestRun(t, b, dir, "allow")
		d := Direnv{Bin: b.path}
		direnvTestStatus(t, d, b, dir, envrc, Allowed)
		res, err := d.SafeEnvrcUpdate(context.Background(), envrc, direnvTestAppend)
		if err != nil {
			t.Fatalf("SafeEnvrcUpdate: %v", err)
		}
		if !res.Reallowed {
			t.Errorf("SafeEnvrcUpdate = %+v, want re-allowed", res)
		}
		if !direnvTestLoads(t, b, dir) {
			t.Error("the .envrc does not load after the edit")
		}
	})
}

// TestDirenvWhitelistedNeedsNoReallow: a .envrc that direnv allows through
// its config's whitelist has no approval record; devsh then runs no allow
// (it could not check it) and reports the file still allowed.
func TestDirenvWhitelistedNeedsNoReallow(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		direnvTestEnv(t)
		dir, envrc := direnvTestProject(t, direnvTestEnvrc)
		conf := filepath.Join(os.Getenv("DIRENV_CONFIG"), "direnv.toml")
		if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(conf, []byte("[whitelist]\nexact = [\""+envrc+"\"]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		rec := &runtest.Recorder{}
		d := Direnv{Runner: rec, Bin: b.path}
		direnvTestStatus(t, d, b, dir, envrc, Allowed)
		res, err := d.SafeEnvrcUpdate(context.Background(), envrc, direnvTestAppend)
		if err != nil {
			t.Fatalf("SafeEnvrcUpdate: %v", err)
		}
		if want := (EnvrcUpdate{Changed: true, Allowed: true}); res != want {
			t.Errorf("SafeEnvrcUpdate = %+v, want %+v", res, want)
		}
		if n := direnvTestAllows(rec); n != 0 {
			t.Errorf("%d allow runs, want 0", n)
		}
		if !direnvTestLoads(t, b, dir) {
			t.Error("whitelisted .envrc does not load after the edit")
		}
	})
}

// TestDirenvEnvrcEditorSaveNeverReverted: an editor saves the approved
// .envrc over and over (temp file and rename, every half millisecond or so,
// for as long as devsh works) while devsh edits it 20 times
// through SafeEnvrcUpdate (real direnv). devsh never undoes one of the
// editor's saves, and never leaves content approved that it did not write.
//
// The editor reloads the file before each save. When what it reads lacks its
// own previous save, it reads again (bounded) before saving, as an editor
// that warns "file changed on disk" would: when a save lands between
// devsh's last re-read and its swap, devsh's version is at the path for the
// microseconds until devsh swaps the save back. A revert that lasts is
// still read at the bound, and then is missing from the final file.
func TestDirenvEnvrcEditorSaveNeverReverted(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		direnvTestEnv(t)
		dir, envrc := direnvTestProject(t, direnvTestEnvrc)
		direnvTestRun(t, b, dir, "allow")
		d := Direnv{Bin: b.path}
		const edits = 20
		stop := make(chan struct{})
		editorDone := make(chan int, 1)
		go func() {
			n := 0
			defer func() { editorDone <- n }()
			for {
				select {
				case <-stop:
					return
				case <-time.After(500 * time.Microsecond): // a save every half millisecond or so
				}
				old, err := direnvRaceEditorRead(envrc, n)
				if err != nil {
					t.Error(err)
					return
				}
				tmp := envrc + ".editor"
				if err := os.WriteFile(tmp, append(old, []byte("# editor save "+strconv.Itoa(n+1)+"\n")...), 0o644); err != nil {
					t.Error(err)
					return
				}
				if err := os.Rename(tmp, envrc); err != nil {
					t.Error(err)
					return
				}
				n++
			}
		}()
		var written [][]byte
		for i := range edits {
			line := "watch_file extra" + strconv.Itoa(i) + ".toml\n"
			_, err := d.SafeEnvrcUpdate(context.Background(), envrc, func(old []byte, _ bool) ([]byte, error) {
				out := append(bytes.Clone(old), line...)
				written = append(written, out)
				return out, nil
			})
			// Errors are allowed (an editor this fast can outrun the
			// retries, or change the file during the allow): what
			// matters is what is left.
			_ = err
		}
		close(stop)
		n := <-editorDone
		got, _ := os.ReadFile(envrc)
		lost := 0
		for i := 1; i <= n; i++ {
			if !bytes.Contains(got, []byte("# editor save "+strconv.Itoa(i)+"\n")) {
				lost++
			}
		}
		// Approved now: only content devsh wrote, or the original.
		foreign := 0
		if direnvRaceApproved(envrc, got) {
			ok := string(got) == direnvTestEnvrc
			for _, w := range written {
				ok = ok || bytes.Equal(w, got)
			}
			if !ok {
				foreign++
			}
		}
		t.Logf("direnv %v: %d editor saves, %d reverted; %d devsh edits; final content approved though devsh did not write it: %d", b.version, n, lost, edits, foreign)
		if lost > 0 {
			t.Errorf("%d of %d editor saves of .envrc were reverted", lost, n)
		}
		if foreign > 0 {
			t.Error("the final .envrc, which devsh did not write, is approved")
		}
	})
}

// direnvRaceRereads × direnvRaceRereadStep bound how long the racing editor
// waits for its own previous save to be back in place: far beyond the
// microseconds devsh's put-back takes, even on a loaded machine.
const (
	direnvRaceRereads    = 500
	direnvRaceRereadStep = time.Millisecond
)

// direnvRaceEditorRead reads path for the racing editor, which has made
// saves so far: until the file holds its last save, or the bound is reached.
func direnvRaceEditorRead(path string, saves int) ([]byte, error) {
	last := []byte("# editor save " + strconv.Itoa(saves) + "\n")
	for k := 0; ; k++ {
		b, err := os.ReadFile(path)
		if err != nil || saves == 0 || bytes.Contains(b, last) || k == direnvRaceRereads {
			return b, err
		}
		time.Sleep(direnvRaceRereadStep)
	}
}
