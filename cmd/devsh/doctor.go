package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/atomicfile"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
	"github.com/spf13/cobra"
)

// DoctorOptions are the options of `devsh doctor`.
type DoctorOptions struct {
	G *GlobalOptions
}

func newDoctorCmd(g *GlobalOptions) *cobra.Command {
	o := &DoctorOptions{G: g}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check nix, flakes, direnv and its hook, the .envrc and git tracking",
		Long: `Check everything the devshell workflow needs, one line per check with ✓ (fine),
! (worth knowing) or ✗ (broken) and the fix: nix and its version; flakes, for devsh
and for your own nix develop; direnv, its version and its shell hook; the flake and
devshell.toml; the .envrc, approved by direnv and watching every file the shell is
built from; those files tracked by git; the package index for this project's
nixpkgs. Exits 1 when a check fails.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDoctor(cmd.Context(), o)
		},
		ValidArgsFunction: cobra.NoFileCompletions,
	}
}

func runDoctor(ctx context.Context, o *DoctorOptions) error {
	g := o.G
	proj, err := g.project()
	if err != nil {
		return err
	}
	var checks []devshell.Check
	checks = append(checks, devshell.DoctorNix(ctx, g.Runner)...)
	// The shell start-up files are read as regular files only: a FIFO
	// there must not hang doctor.
	readRegular := func(path string) ([]byte, error) {
		data, _, err := atomicfile.ReadFile(path)
		return data, err
	}
	checks = append(checks, devshell.DoctorDirenv(ctx, g.direnv(), g.Getenv, readRegular)...)
	checks = append(checks, proj.Doctor(ctx, devshell.DoctorOptions{Direnv: g.direnv(), Runner: g.Runner})...)
	checks = append(checks, doctorIndex(ctx, g, proj))
	if err := ctx.Err(); err != nil {
		return err
	}
	failed := 0
	for _, c := range checks {
		// Details quote package and import names and other programs'
		// output: shown sanitised.
		fmt.Fprintln(g.IO.Out, termtext.Line(c.String()))
		if c.State == devshell.CheckFail {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(g.IO.ErrOut, "%d of %d checks failed\n", failed, len(checks))
		return silentError{code: exitError}
	}
	return nil
}

// doctorIndex checks the package index of the project's nixpkgs: built,
// only a stale one (for the nixpkgs the project used before), or none. A
// missing index is a warning: search and the TUI build it on first use.
func doctorIndex(ctx context.Context, g *GlobalOptions, proj *devshell.Project) devshell.Check {
	c := devshell.Check{Name: "index"}
	if ref, _ := g.override(); ref == "" && proj.IsFlake {
		// Without a lock the nixpkgs is not pinned yet, and resolving the
		// registry's instead could go online for an index nobody needs.
		if _, err := os.Stat(filepath.Join(proj.Root, "flake.lock")); errors.Is(err, fs.ErrNotExist) {
			c.State, c.Detail = devshell.CheckWarn, "no flake.lock yet, so the nixpkgs to index is not pinned"
			c.Fix = "nix flake lock (direnv's first load writes it too), then devsh index"
			return c
		}
	}
	src, err := g.source(ctx, proj)
	if err != nil {
		c.State, c.Detail, c.Fix = devshell.CheckFail, "cannot tell which nixpkgs to index: "+oneLine(err.Error()), "add a nixpkgs input to flake.nix and run nix flake lock, or pass --nixpkgs"
		if !proj.IsFlake {
			c.Fix = "devsh init (its flake.nix pins nixpkgs), or pass --nixpkgs"
		}
		return c
	}
	label := sourceLabel(src)
	opened, err := g.store().Open(src, proj.Root)
	if err == nil && !opened.Stale {
		c.Detail = fmt.Sprintf("%d packages for %s, built %s", opened.Index.Len(), label, opened.Meta.Built.Local().Format(time.DateOnly))
		return c
	}
	if err != nil && !errors.Is(err, nixsearch.ErrCacheMiss) {
		c.State, c.Detail, c.Fix = devshell.CheckFail, oneLine(err.Error()), "devsh index --refresh"
		return c
	}
	c.State, c.Fix = devshell.CheckWarn, "devsh index (one nix evaluation, 30–90 s on real nixpkgs)"
	if opened.Stale {
		c.Detail = "stale: built for the nixpkgs this project used before, not " + label
		return c
	}
	c.Detail = "not built yet for " + label + " (search builds it on first use)"
	return c
}
