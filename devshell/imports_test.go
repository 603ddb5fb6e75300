package devshell

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestImportsWatchFiles(t *testing.T) {
	dir := filepath.Join("testdata", "imports")
	project := []string{
		"devshell.toml",
		"nix/rust.toml",
		"nix/tools.nix",
		"nix/sub/more.toml",
		"local.nix",
		"nix/sub/gone.nix",
		"modules/default.nix",
		"missing.toml",
	}
	prefixed := make([]string, len(project))
	for i, f := range project {
		prefixed[i] = "project/" + f
	}
	cases := []struct {
		name     string
		toml     string
		envrcDir string
		want     []string
	}{
		// Extras skipped; toml -> toml -> nix; relative to the importer
		// (nix/tools.nix, ../../local.nix); a cycle back to the root; a
		// directory import standing for its default.nix; missing files listed.
		{"project", "project/devshell.toml", "project", project},
		{"envrc in a parent directory", "project/devshell.toml", ".", prefixed},
		{"start below the root", "project/nix/rust.toml", "project",
			[]string{"nix/rust.toml", "nix/tools.nix", "nix/sub/more.toml", "local.nix", "nix/sub/gone.nix",
				"devshell.toml", "modules/default.nix", "missing.toml"}},
		{"cycle and self import", "cycle/a.toml", "cycle", []string{"a.toml", "b.toml"}},
		{"toml in a subdirectory of the envrc", "nested/nix/devshell.toml", "nested",
			[]string{"nix/devshell.toml", "shared.nix", "nix/extra.toml"}},
		{"envrc in a sibling directory", "nested/nix/devshell.toml", "project",
			[]string{"../nested/nix/devshell.toml", "../nested/shared.nix", "../nested/nix/extra.toml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := watchFiles(filepath.Join(dir, filepath.FromSlash(tc.toml)), filepath.Join(dir, tc.envrcDir))
			if err != nil {
				t.Fatalf("watchFiles: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("watchFiles =\n %q\nwant\n %q", got, tc.want)
			}
			// Absolute arguments give the same relative answer.
			absToml, _ := filepath.Abs(filepath.Join(dir, filepath.FromSlash(tc.toml)))
			absDir, _ := filepath.Abs(filepath.Join(dir, tc.envrcDir))
			got, err = watchFiles(absToml, absDir)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("watchFiles(absolute) = %q, %v", got, err)
			}
		})
	}
}

func TestImportsWatchFilesErrors(t *testing.T) {
	dir := filepath.Join("testdata", "imports")
	_, err := watchFiles(filepath.Join(dir, "project", "nope.toml"), filepath.Join(dir, "project"))
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != "read nope.toml: no such file or directory" {
		t.Errorf("missing root toml: err = %v, want fs.ErrNotExist", err)
	}

	_, err = watchFiles(filepath.Join(dir, "bad", "devshell.toml"), filepath.Join(dir, "bad"))
	if err == nil || !strings.HasPrefix(err.Error(), "broken.toml:2:") || strings.Contains(err.Error(), "\n") {
		t.Errorf("invalid imported toml: err = %q, want one line starting with broken.toml:2:", err)
	}

	_, err = watchFiles(filepath.Join(dir, "bad", "not-array.toml"), filepath.Join(dir, "bad"))
	if err == nil || err.Error() != "not-array.toml: imports must be an array of strings, not string" {
		t.Errorf("imports not an array: err = %q, want one line starting with not-array.toml:", err)
	}
}

func TestImportsIsLocal(t *testing.T) {
	cases := []struct {
		entry string
		local bool
	}{
		{"git.hooks", false},
		{"language.c", false},
		{"git/hooks", false},
		{"locale", false},
		{"nix/rust.toml", true},
		{"devshell-modules/android.nix", true},
		{"set-boost-root.nix", true},
		{"./devshell.nix", true},
		{"./modules", true},
		{"../shared.toml", true},
	}
	for _, tc := range cases {
		if got := importsIsLocal(tc.entry); got != tc.local {
			t.Errorf("importsIsLocal(%q) = %v, want %v", tc.entry, got, tc.local)
		}
	}
}

// TestImportsCorpus rebuilds each repository of the real devshell.toml corpus
// (files are named OWNER__REPO__PATH) in a temporary directory and lists the
// watch files of every TOML in it, with the .envrc at the repository root.
func TestImportsCorpus(t *testing.T) {
	corpus := os.Getenv("DEVSH_CORPUS_DIR")
	if corpus == "" {
		t.Skip("DEVSH_CORPUS_DIR is not set (.ci/run sets it)")
	}
	entries, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatal(err)
	}
	// What each file with local imports must give; every other file lists
	// only itself. Imported files that the corpus does not hold are listed
	// anyway.
	special := map[string][]string{
		"ChrisPWill/flake-templates/devshell.toml":              {"devshell.toml", "devshells/base.toml"},
		"ChrisPWill/flake-templates/nix/devshells/default.toml": {"nix/devshells/default.toml", "nix/devshells/base.toml"},
		"Mazurel/android2nix/devshell.toml":                     {"devshell.toml", "devshell-modules/android.nix"},
		"NoeLibon/IoT/devshell.toml":                            {"devshell.toml", "devshell.nix"},
		"bbjubjub2494/miniguest/nix/devshell.toml":              {"nix/devshell.toml", "nix/set-boost-root.nix"},
	}
	root := t.TempDir()
	type file struct{ repo, rel string }
	var files []file
	for _, e := range entries {
		parts := strings.SplitN(e.Name(), "__", 3)
		if len(parts) != 3 || !strings.HasSuffix(e.Name(), ".toml") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(corpus, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		repo := parts[0] + "/" + parts[1]
		rel := strings.ReplaceAll(parts[2], "__", "/")
		p := filepath.Join(root, filepath.FromSlash(repo), filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, file{repo, rel})
	}
	if len(files) < 50 {
		t.Fatalf("corpus has %d TOML files, want at least 50", len(files))
	}
	seen := 0
	for _, f := range files {
		got, err := watchFiles(filepath.Join(root, filepath.FromSlash(f.repo), filepath.FromSlash(f.rel)),
			filepath.Join(root, filepath.FromSlash(f.repo)))
		if err != nil {
			t.Errorf("%s/%s: %v", f.repo, f.rel, err)
			continue
		}
		want, ok := special[f.repo+"/"+f.rel]
		if ok {
			seen++
		} else {
			want = []string{f.rel}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s/%s: watchFiles = %q, want %q", f.repo, f.rel, got, want)
		}
	}
	if seen != len(special) {
		t.Errorf("found %d of the %d corpus files with local imports", seen, len(special))
	}
}
