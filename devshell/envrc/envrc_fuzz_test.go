package envrc

import (
	"errors"
	"path"
	"slices"
	"strings"
	"testing"
)

// FuzzSyncEnvrc checks, for any .envrc and file names, that Sync only
// inserts one watch_file line at a line start (keeping every original byte in
// order), reports what it added, and that a second sync is a no-op.
func FuzzSyncEnvrc(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add([]byte(tc.in), tc.files[0], tc.files[len(tc.files)-1])
	}
	for _, s := range []string{
		"watch_file a\\\n",
		"cat <<EOF\nbody",
		"echo $'it\\'s' \"${x:-}\"; use flake\n",
		"f() (use flake)\nfunction g { use flake; }\nuse flake\n",
		"for x in a b\ndo\n  use flake\ndone\n",
		"x=(a\nb)\nuse flake\n",
		"echo \\\r",
		"case a in (a) use flake;; esac\n",
		"if true; then watch_file devshell.toml; fi; use flake\n",
	} {
		f.Add([]byte(s), "devshell.toml", "nix/a b.nix")
	}
	f.Fuzz(func(t *testing.T, content []byte, file1, file2 string) {
		files := []string{file1, file2}
		out, added, err := Sync(content, files)
		invalid := slices.ContainsFunc(files, func(f string) bool { return f == "" || strings.IndexByte(f, 0) >= 0 })
		if invalid {
			if err == nil {
				t.Fatalf("Sync accepted the file names %q", files)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, errUnsafeEnd) {
				t.Fatalf("Sync(%q, %q): unexpected error %v", content, files, err)
			}
			return
		}
		for _, a := range added {
			if a != path.Clean(file1) && a != path.Clean(file2) {
				t.Fatalf("added %q is not one of %q", a, files)
			}
		}
		checkInsertion(t, content, out, len(added) > 0)
		checkIdempotent(t, out, files)
	})
}
