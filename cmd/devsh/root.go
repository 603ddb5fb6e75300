package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	runner "github.com/devsh/devsh/internal/run"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/devsh/devsh/nixsearch"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes of devsh's command-line contract (the README's Usage section).
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, what shells report for Ctrl-C
	// exitPartial: devshell.toml was written, a later step (.envrc sync,
	// direnv) failed. Not 1, which promises that nothing was changed.
	exitPartial = 3
)

// partialError reports a command that changed devshell.toml and then
// failed; the message says what was written and what failed, also when the
// failure was an interrupt.
type partialError struct {
	written string // what was written, e.g. "devshell.toml was updated"
	err     error
}

func (e *partialError) Error() string {
	return e.written + ", but " + e.err.Error() + " (run devsh sync when fixed)"
}

func (e *partialError) Unwrap() error { return e.err }

// ExitError carries an exit code with its error.
type ExitError struct {
	Code int
	Err  error
	// Help is the command whose --help a usage error points to ("devsh add");
	// "" points to devsh --help.
	Help string
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError marks a command-line mistake (exit 2).
func usageError(format string, a ...any) error {
	return &ExitError{Code: exitUsage, Err: fmt.Errorf(format, a...)}
}

// silentError exits with code without printing anything more.
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// GlobalOptions are the flags and environment every command shares.
type GlobalOptions struct {
	IO       *IOStreams
	Getenv   func(string) string
	Dir      string // -C
	File     string // --file
	Nixpkgs  string // --nixpkgs (or DEVSH_NIXPKGS)
	NoDirenv bool
	CacheDir string // --cache-dir (or DEVSH_CACHE_DIR)
	// Verbose (-v) prints, after the one-line error, the whole message it
	// was made from (nix's trace and code excerpt) when there is more.
	Verbose bool
	// Runner runs every external program (nix, direnv, git); nil means
	// runner.Exec. A test swaps it to inject a failure the real tool cannot be
	// made to produce, or to see which programs a command ran.
	Runner runner.Runner
}

// run executes devsh with args and maps the outcome to an exit code.
func run(ctx context.Context, args []string, ios *IOStreams, getenv func(string) string) int {
	return runWith(ctx, args, &GlobalOptions{IO: ios, Getenv: getenv})
}

// runWith is run with the options' dependencies (IO, Getenv, Runner) given;
// the flags fill in the rest.
func runWith(ctx context.Context, args []string, g *GlobalOptions) int {
	root := newRootCmd(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(ctx, err, g.IO.ErrOut, g.Verbose)
}

// exitCode prints err (one line; with verbose also errorDetail's lines,
// indented, after it) and returns its exit code.
func exitCode(ctx context.Context, err error, errOut io.Writer, verbose bool) int {
	if err == nil {
		return exitOK
	}
	var silent silentError
	if errors.As(err, &silent) {
		return silent.code
	}
	var partial *partialError
	if errors.As(err, &partial) {
		fmt.Fprintf(errOut, "devsh: %s\n", termtext.Line(oneLine(partial.Error())))
		printErrorDetail(errOut, err, verbose)
		return exitPartial
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(errOut, "devsh: interrupted")
		return exitInterrupted
	}
	code := exitError
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
	} else if isCobraUsage(err) {
		code = exitUsage
	}
	// Errors quote names from the user's files and nixpkgs: sanitised.
	fmt.Fprintf(errOut, "devsh: %s\n", termtext.Line(oneLine(err.Error())))
	printErrorDetail(errOut, err, verbose)
	if code == exitUsage {
		help := "devsh"
		if ee != nil && ee.Help != "" {
			help = ee.Help
		}
		fmt.Fprintf(errOut, "Run '%s --help' for usage.\n", help)
	}
	return code
}

// noArgs is the argument check of a command that takes none: a stray word is
// a usage error naming it (and, at the top level, the command it may have
// meant: devsh ad → did you mean add?).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if !cmd.HasParent() {
		msg := fmt.Sprintf("unknown command %q", args[0])
		if sug := commandSuggestions(cmd, args[0]); len(sug) > 0 {
			msg += " (did you mean " + strings.Join(sug, " or ") + "?)"
		} else {
			msg += "; the commands are listed by devsh --help"
		}
		return &ExitError{Code: exitUsage, Err: errors.New(msg)}
	}
	return &ExitError{Code: exitUsage, Help: cmd.CommandPath(),
		Err: fmt.Errorf("%s takes no arguments, got %q (usage: %s)", cmd.CommandPath(), strings.Join(args, " "), cmd.UseLine())}
}

// commandSuggestions names the subcommands of cmd that typed may have meant:
// a name or alias that typed begins, or one at most
// cmd.SuggestionsMinimumDistance edits away (serach → search, instal →
// install) and no more than half the word (ad is one edit from add, but two
// letters changed make rm anything). cobra's SuggestionsFor looks at names
// only, so an alias is never suggested there. Each command is named once, by
// its closest word, in alphabetical order.
func commandSuggestions(cmd *cobra.Command, typed string) []string {
	typed = strings.ToLower(typed)
	if typed == "" {
		return nil
	}
	var out []string
	for _, sub := range cmd.Commands() {
		if !sub.IsAvailableCommand() {
			continue
		}
		best, bestDist := "", -1
		for _, word := range append([]string{sub.Name()}, sub.Aliases...) {
			d := editDistance(typed, strings.ToLower(word))
			near := d <= cmd.SuggestionsMinimumDistance && d <= len([]rune(word))/2
			if !near && !strings.HasPrefix(strings.ToLower(word), typed) {
				continue
			}
			if bestDist < 0 || d < bestDist {
				best, bestDist = word, d
			}
		}
		for _, s := range sub.SuggestFor {
			if best == "" && strings.EqualFold(typed, s) {
				best = sub.Name()
			}
		}
		if best != "" {
			out = append(out, best)
		}
	}
	slices.Sort(out) // an alias sorts by itself, not by its command's name
	return out
}

// editDistance is the Levenshtein distance between a and b: the fewest
// single-rune insertions, deletions and substitutions that turn a into b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// needArgs is the argument check of a command that needs at least one
// argument: without one, the usage error is want (e.g. "name at least one
// package, e.g. devsh add cargo-edit").
func needArgs(want string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return &ExitError{Code: exitUsage, Help: cmd.CommandPath(), Err: errors.New(want)}
		}
		return nil
	}
}

// flagError turns pflag's parse errors into devsh's words: a number flag
// given something else says it wants a number.
func flagError(cmd *cobra.Command, err error) error {
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) && iv.GetFlag() != nil {
		f := iv.GetFlag()
		switch f.Value.Type() {
		case "int", "int64", "uint", "uint64":
			err = fmt.Errorf("--%s wants a number, got %q", f.Name, iv.GetValue())
		case "bool":
			err = fmt.Errorf("--%s is on or off: use --%s or --%s=false, got %q", f.Name, f.Name, f.Name, iv.GetValue())
		}
	}
	return &ExitError{Code: exitUsage, Help: cmd.CommandPath(), Err: err}
}

// isCobraUsage recognises the errors cobra returns for unknown commands and
// bad arguments, which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// errorDetail is the whole message behind a one-line error, when there is
// more than that line: nix's error text (NixError.Detail: the trace, the
// file:line and code excerpt), one string per line; nil for any other
// error.
func errorDetail(err error) []string {
	var nerr *nixsearch.NixError
	if !errors.As(err, &nerr) {
		return nil
	}
	return nerr.Detail()
}

// errorDetailIndent starts each line of errorDetail printed after the
// error, so it reads as part of it.
const errorDetailIndent = "  "

// printErrorDetail prints errorDetail(err) indented when verbose (-v) is
// set; without it nothing (the error stays one line).
func printErrorDetail(errOut io.Writer, err error, verbose bool) {
	if !verbose {
		return
	}
	for _, l := range errorDetail(err) {
		fmt.Fprintln(errOut, strings.TrimRight(errorDetailIndent+l, " "))
	}
}

// oneLine keeps error messages to one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

func newRootCmd(g *GlobalOptions) *cobra.Command {
	ios := g.IO
	root := &cobra.Command{
		Use:   "devsh",
		Short: "Search nixpkgs and manage a numtide/devshell project's packages",
		Long: `devsh manages a numtide/devshell project: it searches the nixpkgs your flake pins,
edits the packages in devshell.toml without touching anything else, keeps .envrc
watching the files the shell is built from, and reloads direnv.

Run devsh with no arguments in a terminal for the interactive search.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noArgs,
		Version:       versionLine(debug.ReadBuildInfo()),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd, g)
		},
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(flagError)
	// Two edits catch a swapped pair (serach) or a dropped and a doubled
	// letter, cobra's own default, which SuggestionsFor alone does not set.
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("{{.Version}}\n")
	root.CompletionOptions.DisableDefaultCmd = true

	pf := root.PersistentFlags()
	pf.StringVarP(&g.Dir, "directory", "C", "", "run as if devsh was started in `DIR`")
	pf.StringVar(&g.File, "file", "", "the devshell TOML `PATH` (default: devshell.toml in the project root)")
	pf.StringVar(&g.Nixpkgs, "nixpkgs", "", "search this nixpkgs flake `REF` instead of the project's (env DEVSH_NIXPKGS)")
	pf.BoolVar(&g.NoDirenv, "no-direnv", false, "do not touch .envrc or run direnv")
	pf.StringVar(&g.CacheDir, "cache-dir", "", "index cache `DIR` (env DEVSH_CACHE_DIR, default $XDG_CACHE_HOME/devsh)")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "after an error, also print nix's whole message (its trace, file:line)")

	root.AddCommand(commands(g)...)
	return root
}
