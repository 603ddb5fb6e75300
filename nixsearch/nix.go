package nixsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devsh/devsh/internal/nixcli"
)

// Nix runs the nix command line. The zero value runs "nix" from $PATH with
// ExecRunner.
type Nix struct {
	// Runner runs nix; nil means ExecRunner{}.
	Runner Runner
	// Bin is the nix program; "" means "nix".
	Bin string
	// ExtraArgs go right after the subcommand, e.g.
	// "--option", "flake-registry", "<file>" to work offline (a relative
	// file is made absolute: nix fetches a relative one as a URL; and ""
	// means "no registry" only from nix 2.13 on, so a run with "" fails
	// before nix starts: pass a file).
	ExtraArgs []string
}

// nixSearchRegex is the regex given to `nix search`: it matches every
// package, and nix ≥ 2.20 rejects an empty regex.
const nixSearchRegex = "^"

// NixError is a nix run that exited with a non-zero status.
type NixError struct {
	// Args is the full argv, Args[0] being the nix program.
	Args []string
	// ExitCode is nix's exit status (-1 when it was killed by a signal).
	ExitCode int
	// Signal names the signal that killed nix ("killed" for SIGKILL, as the
	// OOM killer sends), "" when it exited.
	Signal string
	// Message is nix's error in one line: the raw_msg of its last error
	// event (the message without the trace), else the last "error:" line of
	// its stderr, else its last line.
	Message string
	// Stderr is nix's whole error text (the last error event as nix prints
	// it: the trace, the code excerpt), else the tail of its stderr (the last
	// lines nixcli.Stderr keeps, progress left out); escapes, CR and other
	// control characters stripped.
	Stderr string
}

// Error returns one line: the nix command, its status, nix's message and,
// when the message is one devsh recognises, what to do about it.
func (e *NixError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = nixcli.ErrorSummary(e.Stderr)
	}
	if e.Signal != "" {
		s := fmt.Sprintf("%s was stopped by a signal (%s)", nixCommandName(e.Args), e.Signal)
		if e.Message != "" && e.Message != nixcli.NoErrorOutput {
			s += " after: " + e.Message
		}
		return s + " (out of memory? an evaluation of nixpkgs can take GBs: close other programs and try again)"
	}
	s := fmt.Sprintf("%s failed (exit status %d): %s", nixCommandName(e.Args), e.ExitCode, msg)
	if hint := nixErrorHint(nixCommandName(e.Args), msg+"\n"+e.Stderr); hint != "" {
		s += " (" + hint + ")"
	}
	return s
}

// Detail is nix's whole error text (Stderr: the trace, the file:line and
// code excerpt) one string per line, made safe to print with its alignment
// kept (termtext.Keep), or nil when it says no more than Message.
func (e *NixError) Detail() []string {
	text := strings.TrimSpace(e.Stderr)
	if text == "" || text == e.Message || text == "error: "+e.Message {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = nixSanitize(l, false)
	}
	return lines
}

// nixErrorHint names the cause of a nix failure and its fix, from nix's
// message (the same words on nix 2.8 to 2.35, Lix and Determinate), or ""
// when the message is not one devsh knows.
func nixErrorHint(cmd, text string) string {
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(text, s) {
				return true
			}
		}
		return false
	}
	const fetchHint = "nix could not fetch that source (offline?): run `nix flake lock` once while online so nix keeps it in its store, or pass --nixpkgs with a local nixpkgs"
	switch {
	case has("unrecognised flag", "unrecognized flag", "is not a recognised command", "unknown flag"):
		return "this nix is too old for flakes: install nix 2.4 or later"
	case has("' is unsupported"):
		// nix 2.8–2.11 know no tarball+ or file+ references.
		return "this nix does not know that kind of reference (tarball+ and file+ need nix 2.12): update nix, or pass --nixpkgs with another reference"
	case has("in the flake registries"):
		return "no such flake in the flake registry: add a nixpkgs input to flake.nix and run `nix flake lock`, or pass --nixpkgs with a flake reference"
	case has("unable to download", "resolve host", "Failed to open archive", "Failed to connect",
		"Connection refused", "Timeout was reached", "SSL connect error", "unable to fetch", "failed to fetch"):
		return fetchHint
	case has("does not exist", "No such file or directory") && !has("/nix/store/"):
		// A local path (not a file inside a flake's source).
		return "that path does not exist: check it, or pass --nixpkgs with another nixpkgs"
	case has("does not provide attribute"):
		return "that flake has no such attribute for this system: check the name, or pass --nixpkgs with a nixpkgs flake"
	case cmd == "nix flake metadata" || has("while fetching"):
		// A missing path ("getting status of" on 2.8, "does not exist"
		// later), a git or tarball input nix cannot read.
		return fetchHint
	case cmd == "nix search" || cmd == "nix eval":
		return "an evaluation error in that flake: fix it, or pass --nixpkgs with another nixpkgs"
	}
	return ""
}

// nixCommandName returns "nix <subcommand>" for an argv built by Nix, e.g.
// "nix search" or "nix flake metadata", for messages.
func nixCommandName(args []string) string {
	words := []string{"nix"}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == nixcli.FeaturesFlag {
			i++
			continue
		}
		if strings.HasPrefix(a, "-") {
			break
		}
		words = append(words, a)
		if a != "flake" {
			break
		}
	}
	return strings.Join(words, " ")
}

// nixBase returns the argv prefix for a subcommand: the program, the
// experimental features, the subcommand words, then ExtraArgs.
func (n Nix) nixBase(sub ...string) []string {
	bin := n.Bin
	if bin == "" {
		bin = "nix"
	}
	args := []string{bin, nixcli.FeaturesFlag, nixcli.Features}
	args = append(args, sub...)
	args = append(args, nixcli.LogArgs()...)
	return append(args, nixAbsRegistry(n.ExtraArgs)...)
}

// nixRegistryValueAt returns the index of the value of a flake-registry
// setting that starts at args[i] (`--option flake-registry <v>` or
// `--flake-registry <v>`), or -1 when none starts there.
func nixRegistryValueAt(args []string, i int) int {
	switch {
	case args[i] == "--option" && i+2 < len(args) && args[i+1] == "flake-registry":
		return i + 2
	case args[i] == "--flake-registry" && i+1 < len(args):
		return i + 1
	}
	return -1
}

// nixAbsRegistry returns extra with the file of any flake-registry
// setting (`--option flake-registry <file>`, `--flake-registry <file>`)
// made absolute (against the working directory): nix reads only an
// absolute path as a file and fetches anything else as a URL. URLs,
// absolute paths and "" (which nixRegistryArgsErr rejects) are kept; extra
// itself is not changed.
func nixAbsRegistry(extra []string) []string {
	out := append([]string(nil), extra...)
	for i := range out {
		j := nixRegistryValueAt(out, i)
		if j < 0 {
			continue
		}
		v := out[j]
		if v == "" || filepath.IsAbs(v) || strings.Contains(v, "://") {
			continue
		}
		if abs, err := filepath.Abs(v); err == nil {
			out[j] = abs
		}
	}
	return out
}

// nixRegistryArgsErr rejects a flake-registry setting of "" in args: nix
// reads "" as "no registry" only from 2.13 on, and earlier ones try to
// fetch it, so devsh never passes it (on any version, for one behaviour).
func nixRegistryArgsErr(args []string) error {
	for i := range args {
		if j := nixRegistryValueAt(args, i); j >= 0 && args[j] == "" {
			return fmt.Errorf("flake-registry \"\" is not supported (nix before 2.13 fetches it as a URL): "+
				"write a file containing %s and pass its absolute path instead", nixEmptyRegistry)
		}
	}
	return nil
}

// nixEmptyRegistry is a flake registry with no entries, for the message of
// nixRegistryArgsErr (version 2 is the format nix 2.4 and later read).
const nixEmptyRegistry = `{"flakes":[],"version":2}`

// nixSystemArgs pins the evaluation to system: --system chooses the
// packages.<system> / legacyPackages.<system> nix reads, and eval-system
// (Lix; CppNix ≥ 2.14 too) would otherwise win over it on Lix when a
// user's nix.conf sets it. A nix that does not know eval-system (≤ 2.13)
// only warns.
func nixSystemArgs(system string) []string {
	return []string{"--system", system, "--option", "eval-system", system}
}

// searchArgs is the argv of `nix search --system <system> <ref> ^ --json`
// for src (the --system and eval-system are left out when src.System is
// ""): nix searches packages.<system> and legacyPackages.<system> of that
// system only.
func (n Nix) searchArgs(src Source) []string {
	args := n.nixBase("search")
	if src.System != "" {
		args = append(args, nixSystemArgs(src.System)...)
	}
	return append(args, src.Ref, nixSearchRegex, "--json")
}

// metadataArgs is the argv of `nix flake metadata <ref> --json`.
func (n Nix) metadataArgs(ref string) []string {
	return append(n.nixBase("flake", "metadata"), ref, "--json")
}

// evalArgs is the argv of the one `nix eval` that Verify runs: it applies
// nixVerifyExpr(names) to <ref>#<set>.<system>, where set is
// "legacyPackages" or "packages". The result is a JSON list of booleans,
// one per name.
func (n Nix) evalArgs(src Source, set string, names []string) []string {
	return append(n.nixBase("eval"), "--json", nixInstallable(src, set), "--apply", nixVerifyExpr(names))
}

// metaArgs is the argv of the `nix eval` that Meta runs for one attribute
// path of <ref>#<set>.<system>.
func (n Nix) metaArgs(src Source, set, attr string) []string {
	return append(n.nixBase("eval"), "--json", nixInstallable(src, set), "--apply", nixMetaExpr(attr))
}

// nixSystemLabel is system, or "<system>" when it is "" (nix's own).
func nixSystemLabel(system string) string {
	if system == "" {
		return "<system>"
	}
	return system
}

// nixInstallable is "<ref>#<set>.<system>".
func nixInstallable(src Source, set string) string {
	return src.Ref + "#" + set + "." + src.System
}

// nixStringLiteral quotes s as a nix double-quoted string, escaping
// everything nix would interpret (backslash, quote, "${").
func nixStringLiteral(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// nixPathsLiteral turns attribute names into a nix expression evaluating
// to a list of attribute paths (lists of strings): the names are split on
// "." in Go, JSON-encoded, and read back with builtins.fromJSON from a
// quoted string, so no name can inject nix syntax.
func nixPathsLiteral(names []string) string {
	paths := make([][]string, len(names))
	for i, name := range names {
		paths[i] = strings.Split(name, ".")
	}
	return nixJSONLiteral(paths)
}

// nixJSONLiteral is a nix expression evaluating to v: v JSON-encoded and
// read back with builtins.fromJSON from a quoted string, so no string in v
// can inject nix syntax. v is made of strings, slices and maps of them,
// whose encoding cannot fail.
func nixJSONLiteral(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return "builtins.fromJSON " + nixStringLiteral(strings.TrimSpace(buf.String()))
}

// nixLookupExpr defines `lookup set path`, which walks an attribute path
// and returns { found = true; value = …; } or { found = false; }.
const nixLookupExpr = `lookup = set: path:
    if path == [ ] then { found = true; value = set; }
    else if builtins.isAttrs set && builtins.hasAttr (builtins.head path) set
    then lookup (builtins.getAttr (builtins.head path) set) (builtins.tail path)
    else { found = false; };`

// nixVerifyExpr is the function Verify applies to the package set: for
// each name, true when the attribute exists and is a derivation. Each test
// runs under builtins.tryEval, so an alias that throws is false, not a
// failed evaluation.
func nixVerifyExpr(names []string) string {
	return `pkgs:
let
  paths = ` + nixPathsLiteral(names) + `;
  ` + nixLookupExpr + `
  isDrv = path:
    let
      r = builtins.tryEval (
        let l = lookup pkgs path;
        in l.found && builtins.isAttrs l.value && (l.value.type or null) == "derivation");
    in r.success && r.value;
in map isDrv paths`
}

// nixMetaTextExpr defines the Nix functions that turn meta values into
// strings: str (a string or ""), text (a licence or list of licences:
// spdxId, else shortName, else fullName, joined with ", ") and first (the
// first of a list, e.g. of homepages).
const nixMetaTextExpr = `str = v: if builtins.isString v then v else "";
  text = x:
    if builtins.isString x then x
    else if builtins.isList x then builtins.concatStringsSep ", " (builtins.filter (s: s != "") (map text x))
    else if builtins.isAttrs x then str (x.spdxId or x.shortName or x.fullName or "")
    else "";
  first = x: if builtins.isList x then (if x == [ ] then "" else first (builtins.head x)) else str x;`

// nixMetaExpr is the function Meta applies to the package set: it returns
// { found; homepage; license; mainProgram; } as strings, each computed
// under builtins.tryEval. Licenses are spdxId, else shortName, else
// fullName; several are joined with ", "; the first homepage is used.
func nixMetaExpr(attr string) string {
	return `pkgs:
let
  path = builtins.head (` + nixPathsLiteral([]string{attr}) + `);
  ` + nixLookupExpr + `
  l = lookup pkgs path;
  found = builtins.tryEval (l.found && builtins.isAttrs l.value);
  ` + nixMetaTextExpr + `
  field = f: let r = builtins.tryEval (f (l.value.meta or { })); in if r.success then r.value else "";
in
  if found.success && found.value then {
    found = true;
    homepage = field (m: first (m.homepage or ""));
    license = field (m: text (m.license or ""));
    mainProgram = field (m: str (m.mainProgram or ""));
  } else { found = false; }`
}

// ErrNoPackages is returned (wrapped) by Search when nix found no package
// at all: a flake with neither legacyPackages.<system> nor
// packages.<system> (nix ≤ 2.12 prints {} and exits 0 for it), or the wrong
// system. It is an error so that an empty index is never cached.
var ErrNoPackages = errors.New("has no packages")

// Search runs `nix search <src.Ref> ^ --json` for src.System and returns every package,
// sorted by Attr (see ParseSearchJSON). Stdout is parsed while nix writes it
// and stderr is read at the same time, as --log-format internal-json events.
//
// progress (may be nil) is called, from another goroutine but never
// concurrently, with the number of attributes nix has reported evaluating
// so far (its `evaluating '…'` activities, counted by nixcli.Stderr): at
// most every 100 ms, at least every nixcli.ProgressHeartbeat while nix runs
// (with an unchanged count when nothing new came), and once at the end. It
// must return quickly (nix waits while its stderr is not read). A count of
// 0 means no count: nix has not reported an attribute yet, and some never
// do (Determinate Nix ≥ 3.11) — show the elapsed time then, not a bar.
//
// A non-zero exit is a *NixError even when stdout held valid JSON; no
// package at all is ErrNoPackages. When ctx ends, nix is killed and ctx's
// error is returned (wrapped).
func (n Nix) Search(ctx context.Context, src Source, progress func(evaluated int)) ([]Package, error) {
	if src.Ref == "" {
		return nil, errors.New("nix search: no nixpkgs flake reference")
	}
	type parsed struct {
		pkgs []Package
		err  error
	}
	pr, pw := io.Pipe()
	done := make(chan parsed, 1)
	go func() {
		pkgs, err := ParseSearchJSON(pr)
		// Keep reading whatever follows (after a parse error or trailing
		// data) so nix is never blocked writing to a reader that stopped;
		// its exit status decides the outcome. The pipe only fails if
		// closed with an error, which never happens here.
		_, _ = io.Copy(io.Discard, pr)
		done <- parsed{pkgs, err}
	}()
	runErr := n.nixRun(ctx, n.searchArgs(src), pw, progress)
	pw.Close() // EOF for the parser
	res := <-done
	if runErr != nil {
		return nil, runErr
	}
	if res.err != nil {
		return nil, fmt.Errorf("nix search %s: %w", src.Ref, res.err)
	}
	if len(res.pkgs) == 0 {
		return nil, fmt.Errorf("nix search: %s %w for %s (neither legacyPackages.%s nor packages.%s; pass --nixpkgs with a nixpkgs flake)", src.Ref, ErrNoPackages, nixSystemLabel(src.System), nixSystemLabel(src.System), nixSystemLabel(src.System))
	}
	return res.pkgs, nil
}

// Verify reports which names are attributes of src's package set that
// evaluate to derivations, with one `nix eval` for all names (a second
// only when the flake has no legacyPackages.<system>, to try
// packages.<system>). Names under sets that `nix search` does not recurse
// into count; aliases that throw and unknown names do not. The result
// holds only the valid names.
func (n Nix) Verify(ctx context.Context, src Source, names []string) (map[string]bool, error) {
	valid := map[string]bool{}
	if len(names) == 0 {
		return valid, nil
	}
	out, err := n.nixEvalPackageSet(ctx, src, func(set string) []string { return n.evalArgs(src, set, names) })
	if err != nil {
		return nil, err
	}
	var results []bool
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("nix eval: verify names: %w", err)
	}
	if len(results) != len(names) {
		return nil, fmt.Errorf("nix eval: verify names: got %d results for %d names", len(results), len(names))
	}
	for i, ok := range results {
		if ok {
			valid[names[i]] = true
		}
	}
	return valid, nil
}

// PackageMeta is the part of a package's meta the TUI shows for the
// selected row. Empty fields are unknown or unset.
type PackageMeta struct {
	Homepage    string
	License     string
	MainProgram string
}

// Meta fetches attr's homepage, license and main program with one
// `nix eval` (two when the flake has only packages.<system>). An attribute
// that does not exist is an error; meta fields that fail to evaluate are
// empty. The strings are sanitised for printing.
func (n Nix) Meta(ctx context.Context, src Source, attr string) (PackageMeta, error) {
	out, err := n.nixEvalPackageSet(ctx, src, func(set string) []string { return n.metaArgs(src, set, attr) })
	if err != nil {
		return PackageMeta{}, err
	}
	var res struct {
		Found       bool   `json:"found"`
		Homepage    string `json:"homepage"`
		License     string `json:"license"`
		MainProgram string `json:"mainProgram"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return PackageMeta{}, fmt.Errorf("nix eval: meta of %s: %w", attr, err)
	}
	if !res.Found {
		return PackageMeta{}, fmt.Errorf("nix eval: meta of %s: no such attribute in %s", attr, src.Ref)
	}
	return PackageMeta{
		Homepage:    SanitizeText(res.Homepage),
		License:     SanitizeText(res.License),
		MainProgram: SanitizeText(res.MainProgram),
	}, nil
}

// nixEvalPackageSet runs argsFor("legacyPackages") and, only when nix says
// the flake does not provide legacyPackages.<system>, argsFor("packages").
// It returns nix's stdout.
func (n Nix) nixEvalPackageSet(ctx context.Context, src Source, argsFor func(set string) []string) ([]byte, error) {
	if src.Ref == "" || src.System == "" {
		return nil, errors.New("nix eval: source needs a flake reference and a system")
	}
	var out bytes.Buffer
	err := n.nixRun(ctx, argsFor("legacyPackages"), &out, nil)
	var nixErr *NixError
	if errors.As(err, &nixErr) && nixMissingAttr(nixErr.Stderr, "legacyPackages."+src.System) {
		out.Reset()
		err = n.nixRun(ctx, argsFor("packages"), &out, nil)
	}
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// nixMissingAttr reports whether nix's stderr says the flake does not
// provide the attribute path attr (nix lists the paths it tried, quoted).
func nixMissingAttr(stderr, attr string) bool {
	return strings.Contains(stderr, "does not provide attribute") && strings.Contains(stderr, "'"+attr+"'")
}

// nixRun runs one nix argv with stdout going to stdout and stderr read by
// a nixcli.Stderr (progress counting, error events, tail), with nixcli.Env. It maps
// a non-zero exit to *NixError and a cancelled run to ctx's error. While
// nix runs, onEval (when not nil) is also called every
// nixcli.ProgressHeartbeat without new progress.
func (n Nix) nixRun(ctx context.Context, args []string, stdout io.Writer, onEval func(int)) error {
	if err := nixRegistryArgsErr(args); err != nil {
		return fmt.Errorf("%s: %w", nixCommandName(args), err)
	}
	runner := n.Runner
	if runner == nil {
		runner = ExecRunner{}
	}
	// The first heartbeat comes nixcli.ProgressHeartbeat after the start.
	stderr := nixcli.NewStderr(onEval, time.Now())
	stop := make(chan struct{})
	beats := sync.WaitGroup{}
	if onEval != nil {
		beats.Add(1)
		go func() {
			defer beats.Done()
			tick := time.NewTicker(nixcli.ProgressHeartbeat / 4)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case now := <-tick.C:
					stderr.Heartbeat(now)
				}
			}
		}()
	}
	err := runner.Run(ctx, Command{Args: args, Env: nixcli.Env(), Stdout: stdout, Stderr: stderr})
	close(stop)
	beats.Wait()
	stderr.Finish()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", nixCommandName(args), ctxErr)
	}
	if err == nil {
		return nil
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		msg, text := stderr.Failure()
		nerr := &NixError{Args: args, ExitCode: coded.ExitCode(), Message: msg, Stderr: text}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				nerr.Signal = ws.Signal().String()
			}
		}
		return nerr
	}
	return fmt.Errorf("%s: %w", nixCommandName(args), err)
}
