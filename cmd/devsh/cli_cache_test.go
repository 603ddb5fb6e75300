package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devsh/devsh/nixsearch"
)

// cacheNewTool is the attribute cacheAddFakePackage adds to the project's
// fake nixpkgs: no fixture package matches it.
const cacheNewTool = "zz-new-tool"

// cacheAddFakePackage adds the derivation cacheNewTool to the project's
// copy of the fixture nixpkgs (./fakepkgs), stages it (the project is a git
// flake: nix only sees tracked files) and re-locks, so that flake.lock pins
// new content. It fails the test unless flake.lock's narHash changed.
func cacheAddFakePackage(t *testing.T, dir string) {
	t.Helper()
	flake := filepath.Join(dir, "fakepkgs", "flake.nix")
	src := cliRead(t, flake)
	const anchor = "          # Nested sets that nix search recurses into.\n"
	if !strings.Contains(src, anchor) {
		t.Fatalf("%s has no line %q to insert %s before: the fixture changed", flake, anchor, cacheNewTool)
	}
	line := `          ` + cacheNewTool + ` = mk { pname = "` + cacheNewTool + `"; version = "0.1.0"; description = "A package added after the first lock"; };` + "\n"
	before := cacheNarHash(t, dir)
	cliWrite(t, flake, strings.Replace(src, anchor, line+anchor, 1))
	cliExec(t, dir, "git", "add", "-A")
	cliExec(t, dir, "nix", "--extra-experimental-features", "nix-command flakes", "flake", "lock", "--update-input", "nixpkgs")
	if after := cacheNarHash(t, dir); after == before {
		t.Fatalf("re-locking after adding %s left the narHash %s: the key would not change", cacheNewTool, before)
	}
}

// cacheNarHash is the narHash of the project's locked nixpkgs: flake.lock's
// (nix ≤ 2.25), else what `nix flake metadata` says of the locked relative
// path (nix ≥ 2.26 locks it without a narHash); no memo is kept.
func cacheNarHash(t *testing.T, dir string) string {
	t.Helper()
	src, err := nixsearch.Nix{}.ResolveSource(context.Background(), nixsearch.ResolveOptions{ProjectRoot: dir})
	if err != nil || src.Origin != "flake.lock" || src.NarHash == "" {
		t.Fatalf("flake.lock: nixpkgs source %+v, err %v; want one with a narHash", src, err)
	}
	return src.NarHash
}

// cacheFiles lists the index files (index-*.bin) in devsh's cache dir.
func cacheFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(cliCacheDir(), "index-*.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// cacheSearchAttrs decodes `devsh search --json` into its attributes.
func cacheSearchAttrs(t *testing.T, stdout string) []string {
	t.Helper()
	var attrs []string
	for _, it := range cliDecodeSearch(t, stdout) {
		attrs = append(attrs, it.Attr)
	}
	return attrs
}

// TestCLICacheCorruptRebuilt: a damaged index file is not an error; search
// rebuilds it and leaves a valid one, which then answers without nix.
func TestCLICacheCorruptRebuilt(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(data []byte) []byte
	}{
		{"truncated", func(data []byte) []byte { return data[:len(data)/2] }},
		{"flipped byte", func(data []byte) []byte {
			out := slices.Clone(data)
			out[len(out)/2] ^= 0xff
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
			r := cliRun(t, "-C", dir, "index")
			r.cliWant(t, 0)
			f := cliIndexFields(t, r.stdout)
			cache := f["cache"]
			if files := cacheFiles(t); !slices.Equal(files, []string{cache}) {
				t.Fatalf("index files %v, want only %s", files, cache)
			}
			warm := cliRun(t, "-C", dir, "search", "cargo", "--json")
			warm.cliWant(t, 0)

			data, err := os.ReadFile(cache)
			if err != nil {
				t.Fatal(err)
			}
			bad := tt.corrupt(data)
			if err := os.WriteFile(cache, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			// The damage is real: the cache itself rejects the file.
			if _, _, err := (nixsearch.Cache{Dir: cliCacheDir()}).Load(f["key"]); err == nil {
				t.Fatalf("the %s index file still loads: the test would prove nothing", tt.name)
			}

			r2 := cliRun(t, "-C", dir, "search", "cargo", "--json")
			r2.cliWant(t, 0)
			if !strings.Contains(r2.stderr, "indexing nixpkgs") || !strings.Contains(r2.stderr, "indexed nixpkgs") {
				t.Errorf("stderr = %q, want the rebuild's progress lines", r2.stderr)
			}
			if attrs := cacheSearchAttrs(t, r2.stdout); len(attrs) == 0 || attrs[0] != "cargo" {
				t.Errorf("search cargo after the rebuild = %v, want cargo first", attrs)
			}
			if r2.stdout != warm.stdout {
				t.Errorf("search after the rebuild = %q, want what the intact index gave, %q", r2.stdout, warm.stdout)
			}
			if files := cacheFiles(t); !slices.Equal(files, []string{cache}) {
				t.Errorf("index files after the rebuild %v, want only %s", files, cache)
			}
			ix, meta, err := (nixsearch.Cache{Dir: cliCacheDir()}).Load(f["key"])
			if err != nil {
				t.Fatalf("the rebuilt index file does not load: %v", err)
			}
			if strconv.Itoa(ix.Len()) != f["packages"] || meta.Key != f["key"] {
				t.Errorf("rebuilt index: %d packages, key %q; want %s, %s", ix.Len(), meta.Key, f["packages"], f["key"])
			}

			// The rebuilt cache answers on its own: no nix anywhere.
			cliPathOnly(t)
			r3 := cliRun(t, "-C", dir, "search", "cargo", "--json")
			r3.cliWant(t, 0)
			if r3.stdout != r2.stdout || r3.stderr != "" {
				t.Errorf("search without nix: stdout %q, stderr %q; want %q and no rebuild", r3.stdout, r3.stderr, r2.stdout)
			}
		})
	}
}

// TestCLICacheLockChangeReindexes: after the lock pins other nixpkgs
// content, the project gets a new key and a new index file; the old one,
// used moments ago, is kept.
func TestCLICacheLockChangeReindexes(t *testing.T) {
	dir := cliProject(t, "[devshell]\npackages = [\"cargo\"]\n")
	r := cliRun(t, "-C", dir, "index")
	r.cliWant(t, 0)
	f1 := cliIndexFields(t, r.stdout)

	r = cliRun(t, "-C", dir, "search", cacheNewTool, "--json")
	r.cliWant(t, 0)
	if slices.Contains(cacheSearchAttrs(t, r.stdout), cacheNewTool) {
		t.Fatalf("%s found before it was added: the test would prove nothing", cacheNewTool)
	}

	cacheAddFakePackage(t, dir)

	r = cliRun(t, "-C", dir, "search", cacheNewTool, "--json")
	r.cliWant(t, 0)
	if !strings.Contains(r.stderr, "indexing nixpkgs") {
		t.Errorf("stderr = %q, want a new index build for the new lock", r.stderr)
	}
	if attrs := cacheSearchAttrs(t, r.stdout); len(attrs) == 0 || attrs[0] != cacheNewTool {
		t.Errorf("search %s = %v, want it first", cacheNewTool, attrs)
	}

	r = cliRun(t, "-C", dir, "index")
	r.cliWant(t, 0)
	if r.stderr != "" {
		t.Errorf("index after search: stderr %q, want no second build", r.stderr)
	}
	f2 := cliIndexFields(t, r.stdout)
	if f2["key"] == f1["key"] {
		t.Errorf("key %s did not change with the lock", f2["key"])
	}
	if f2["nixpkgs"] == f1["nixpkgs"] {
		t.Errorf("nixpkgs %q did not change with the lock", f2["nixpkgs"])
	}
	if n1, err := strconv.Atoi(f1["packages"]); err != nil || f2["packages"] != strconv.Itoa(n1+1) {
		t.Errorf("packages %s after adding one to %s", f2["packages"], f1["packages"])
	}
	if f2["cache"] == f1["cache"] {
		t.Errorf("cache file %s did not change with the key", f2["cache"])
	}
	want := []string{f1["cache"], f2["cache"]}
	slices.Sort(want)
	if files := cacheFiles(t); !slices.Equal(files, want) {
		t.Errorf("index files %v, want the old one (recent, not pruned) and the new one: %v", files, want)
	}
}

// TestCLIIndexWaitsForAnother: while another process holds the index's lock
// (this test, standing in for a second devsh building the same nixpkgs),
// devsh index says it waits, then loads what the other built and says how
// long it waited, not "indexed … in". nix is off PATH meanwhile: the
// waiting devsh evaluates nothing itself.
func TestCLIIndexWaitsForAnother(t *testing.T) {
	dir := cliProject(t, cliOneCargo)
	r := cliRun(t, "-C", dir, "index")
	r.cliWant(t, 0)
	_, key, ok := strings.Cut(r.stdout, "\nkey       ")
	key, _, _ = strings.Cut(key, "\n")
	if !ok || key == "" {
		t.Fatalf("devsh index printed no key:\n%s", r.stdout)
	}
	cache := nixsearch.Cache{Dir: cliCacheDir()}
	built := cliRead(t, cache.Path(key))
	unlock, err := cache.Lock(key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := os.Remove(cache.Path(key)); err != nil {
		t.Fatal(err)
	}
	cliPathOnly(t)

	var out, errOut cliBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(context.Background(), []string{"-C", dir, "index"}, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, os.Getenv)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errOut.String(), "waiting for another devsh indexing") {
		if time.Now().After(deadline) {
			t.Fatalf("devsh index did not say it waits; stderr so far %q", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The other devsh finishes: its index lands, then it unlocks.
	cliWrite(t, cache.Path(key), built)
	unlock()
	if c := <-code; c != 0 {
		t.Fatalf("devsh index exit %d, stderr %q", c, errOut.String())
	}
	re := regexp.MustCompile(`^waiting for another devsh indexing nixpkgs \S+ \(flake\.lock\)\nwaited [0-9]+\.[0-9] s for another devsh indexing nixpkgs \S+ \(flake\.lock\)\n$`)
	if !re.MatchString(errOut.String()) {
		t.Errorf("stderr = %q, want the wait and how long it took", errOut.String())
	}
	if !strings.Contains(out.String(), "key       "+key+"\n") {
		t.Errorf("stdout = %q, want the index of key %s", out.String(), key)
	}
}
