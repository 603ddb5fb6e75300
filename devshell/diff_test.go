package devshell

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnifiedDiffEqual(t *testing.T) {
	if d := UnifiedDiff("x", []byte("a\n"), []byte("a\n")); d != "" {
		t.Fatalf("equal inputs gave a diff:\n%s", d)
	}
}

// TestUnifiedDiffMatchesDiffU compares with GNU diff -u on generated edits of
// a file, the tool whose output format devsh --dry-run reproduces.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	diffBin, err := exec.LookPath("diff")
	if err != nil {
		t.Fatalf("diff(1) is needed for this test: %v", err)
	}
	rng := rand.New(rand.NewSource(1))
	cases := [][2]string{
		{"a\nb\nc\n", "a\nb\nx\nc\n"},
		{"a\nb\nc", "a\nb\nc\n"},
		{"", "x\n"},
		{"x\n", ""},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\nY\n14\n"},
	}
	for k := 0; k < 200; k++ {
		var a, b []string
		for i := 0; i < 5+rng.Intn(25); i++ {
			a = append(a, fmt.Sprintf("l%d\n", rng.Intn(8)))
		}
		b = append(b, a...)
		for e := 0; e < 1+rng.Intn(3); e++ {
			p := rng.Intn(len(b) + 1)
			switch rng.Intn(3) {
			case 0:
				b = append(b[:p], append([]string{fmt.Sprintf("n%d\n", rng.Intn(5))}, b[p:]...)...)
			case 1:
				if p < len(b) {
					b = append(b[:p], b[p+1:]...)
				}
			default:
				if p < len(b) {
					b[p] = "c\n"
				}
			}
		}
		cases = append(cases, [2]string{strings.Join(a, ""), strings.Join(b, "")})
	}
	dir := t.TempDir()
	for i, c := range cases {
		pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		if err := os.WriteFile(pa, []byte(c[0]), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pb, []byte(c[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command(diffBin, "-u", "--label", "a/f", "--label", "b/f", pa, pb).Output()
		got := UnifiedDiff("f", []byte(c[0]), []byte(c[1]))
		// Both are minimal edit scripts; when several exist they may pick
		// differently, so compare what each one does rather than the text.
		if !bytes.Equal(diffApply(t, c[0], got), []byte(c[1])) {
			t.Fatalf("case %d: our diff does not turn a into b:\n%s", i, got)
		}
		if diffChanged(got) != diffChanged(string(out)) {
			t.Fatalf("case %d: %d changed lines, diff -u has %d\nours:\n%s\ndiff -u:\n%s", i, diffChanged(got), diffChanged(string(out)), got, out)
		}
	}
}

func diffChanged(d string) int {
	n := 0
	for _, l := range strings.Split(d, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			n++
		}
	}
	return n
}

// diffApply applies a unified diff with patch(1).
func diffApply(t *testing.T, a, d string) []byte {
	t.Helper()
	patchBin, err := exec.LookPath("patch")
	if err != nil {
		t.Fatalf("patch(1) is needed for this test: %v", err)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte(a), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(patchBin, "-s", "-p1", "-d", dir)
	cmd.Stdin = strings.NewReader(d)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("patch failed: %v\n%s\n%s", err, out, d)
	}
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
