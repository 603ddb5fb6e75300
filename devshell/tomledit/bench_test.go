package tomledit

import (
	"fmt"
	"strings"
	"testing"
)

// benchNamesFile returns a devshell.toml whose multi-line [devshell]
// packages list holds n names, p0 … p(n-1), with a comment every hundred.
func benchNamesFile(n int) []byte {
	var b strings.Builder
	b.WriteString("[devshell]\nname = \"bench\"\npackages = [\n")
	for i := range n {
		if i%100 == 0 {
			fmt.Fprintf(&b, "  # group %d\n", i/100)
		}
		fmt.Fprintf(&b, "  \"p%d\",\n", i)
	}
	b.WriteString("]\n\n[[commands]]\npackage = \"jq\"\n")
	return []byte(b.String())
}

// benchTablesFile returns a devshell.toml of a short packages list followed
// by n tables of one key each.
func benchTablesFile(n int) []byte {
	var b strings.Builder
	b.WriteString("[devshell]\npackages = [\"cargo\"]\n")
	for i := range n {
		fmt.Fprintf(&b, "[t%d]\nx = 1\n", i)
	}
	return []byte(b.String())
}

// benchCommandsFile returns a devshell.toml of a short packages list
// followed by n [[commands]] entries.
func benchCommandsFile(n int) []byte {
	var b strings.Builder
	b.WriteString("[devshell]\npackages = [\"cargo\"]\n")
	for i := range n {
		fmt.Fprintf(&b, "[[commands]]\nname = \"c%d\"\npackage = \"p%d\"\n", i, i)
	}
	return []byte(b.String())
}

// benchNames returns the names prefix0 … prefix(n-1).
func benchNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// BenchmarkAdd adds 10 new names to a list of 1k and 10k names.
func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		data := benchNamesFile(n)
		names := benchNames("new", 10)
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := Add("bench.toml", data, names); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAddMany adds as many new names as the list already holds (the
// CLI's `devsh add` of 10,000 names).
func BenchmarkAddMany(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		data := benchNamesFile(0)
		names := benchNames("new", n)
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Add("bench.toml", data, names); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRemove removes 10 names spread over a list of 1k and 10k names.
func BenchmarkRemove(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		data := benchNamesFile(n)
		var names []string
		for i := range 10 {
			names = append(names, fmt.Sprintf("p%d", i*n/10+n/20))
		}
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := Remove("bench.toml", data, names); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRemoveMany removes every name of a list of 1k and 10k names,
// in list order.
func BenchmarkRemoveMany(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		data := benchNamesFile(n)
		names := benchNames("p", n)
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Remove("bench.toml", data, names); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParse parses a file of 100k tables and one of 10k names.
func BenchmarkParse(b *testing.B) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"tables=100000", benchTablesFile(100_000)},
		{"commands=100000", benchCommandsFile(100_000)},
		{"names=10000", benchNamesFile(10_000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if _, err := Parse("bench.toml", c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
