package tomledit

import (
	"os"
	"path/filepath"
	"testing"
)

// TestManifestCorpus runs the editor over the real devshell.toml files in the
// folder named by DEVSH_CORPUS_DIR: each parses, Packages() agrees with a
// TOML decoder, adding a name changes exactly one list (and removing it gives
// back the original bytes where the list existed), and removing the first
// package removes just that package.
func TestManifestCorpus(t *testing.T) {
	dir := os.Getenv("DEVSH_CORPUS_DIR")
	if dir == "" {
		t.Skip("DEVSH_CORPUS_DIR is not set; it names the folder of real devshell.toml files (CI sets it)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.toml files in DEVSH_CORPUS_DIR=%s", dir)
	}
	withList := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(f, data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			doc, err := decode(data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if err := checkPackages(m, doc); err != nil {
				t.Error(err)
			}
			if _, exists, _ := addTarget(doc); exists {
				withList++
			}
			for _, name := range []string{"zz-corpus-new", "python3Packages.zz-black"} {
				if err := checkAdd(f, data, name); err != nil {
					t.Error(err)
				}
			}
			if err := checkRemoveFirst(f, data); err != nil {
				t.Error(err)
			}
		})
	}
	t.Logf("%d files, %d with an existing packages list", len(files), withList)
}
