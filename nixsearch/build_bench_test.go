package nixsearch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIndexBuild measures, in one run, a cold index build of a flake
// as large as nixpkgs' search output (the real dump's 129,815 names when
// DEVSH_NIXPKGS_DUMP is set, else the generated 130k), with meta on every
// package as buildDecorate gives it: one plain `nix search <ref> ^ --json`
// (what devsh did before, and the baseline of the targets), then the
// sharded build with 1, 2 and 4 nix processes, timed as the user waits for
// it: the whole Store.Build (shards, alias sets, cache write; a new cache
// directory each time). Each iteration starts with an empty nix cache (no
// eval cache). first-s is the time until the first shard's results are
// searchable; nix-cpu-s the CPU time of all nix processes, which on a busy
// machine tells what wall time cannot.
//
// With -short the flake is benchShortCount generated packages: a check
// that the benchmark runs, not a measurement.
//
//	go test ./nixsearch -run '^$' -bench BenchmarkIndexBuild -benchtime 1x
func BenchmarkIndexBuild(b *testing.B) {
	nixRequireTool(b, "nix")
	pkgs := genPackages(genCount)
	if testing.Short() {
		pkgs = genPackages(benchShortCount)
	} else if path := os.Getenv("DEVSH_NIXPKGS_DUMP"); path != "" {
		var err error
		if pkgs, err = benchReadDump(path); err != nil {
			b.Fatal(err)
		}
	}
	dir := filepath.Join(b.TempDir(), "big")
	buildWriteFlake(b, dir, buildDecorate(pkgs), "")
	n := Nix{}
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	// A locked source, as devsh resolves it (pure evaluation).
	var out strings.Builder
	if err := n.nixRun(context.Background(), n.metadataArgs("path:"+dir), &out, nil); err != nil {
		b.Fatal(err)
	}
	m, err := nixParseMetadata([]byte(out.String()))
	if err != nil {
		b.Fatal(err)
	}
	src := Source{Key: "bench", Ref: m.URL, System: CurrentSystem()}
	cold := func(b *testing.B) { b.Setenv("XDG_CACHE_HOME", b.TempDir()) }

	b.Run("nix-search", func(b *testing.B) {
		for range b.N {
			cold(b)
			cpu := benchChildCPUTime()
			got, err := n.Search(context.Background(), src, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(got)), "packages")
			b.ReportMetric((benchChildCPUTime() - cpu).Seconds(), "nix-cpu-s")
		}
	})
	for _, procs := range []int{1, 2, 4} {
		b.Run("procs="+string(rune('0'+procs)), func(b *testing.B) {
			var first time.Duration
			for range b.N {
				cold(b)
				store := Store{Nix: n, Cache: Cache{Dir: b.TempDir()}}
				cpu := benchChildCPUTime()
				start := time.Now()
				first = 0
				ix, _, err := store.Build(context.Background(), src, BuildOptions{Procs: procs, Partial: func(*Index) {
					if first == 0 {
						first = time.Since(start)
					}
				}})
				if err != nil {
					b.Fatal(err)
				}
				if first == 0 {
					first = time.Since(start)
				}
				if ix.MetaMissing() != "" {
					b.Fatalf("meta missing: %s", ix.MetaMissing())
				}
				b.ReportMetric(float64(ix.Len()), "packages")
				b.ReportMetric((benchChildCPUTime() - cpu).Seconds(), "nix-cpu-s")
			}
			b.ReportMetric(first.Seconds(), "first-s")
		})
	}
}

// benchShortCount is the size of BenchmarkIndexBuild's flake with -short:
// enough for every shard of 4 processes to hold packages, small enough to
// build in seconds.
const benchShortCount = 2000

// benchChildCPUTime is the user and system CPU time of this process's
// finished child processes.
func benchChildCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
