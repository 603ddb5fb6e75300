package nixsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Nix runs the nix command line. The zero value runs "nix" from $PATH with
// ExecRunner.
type Nix struct {
	// Runner runs nix; nil means ExecRunner{}.
	Runner Runner
	// Bin is the nix program; "" means "nix".
	Bin string
	// ExtraArgs go right after the subcommand, e.g.
	// "--option", "flake-registry", "<file>" to work offline.
	ExtraArgs []string
}

// nixFeatures is passed to every run with --extra-experimental-features:
// nix 2.8 (Debian's) ships flakes and the new CLI as experimental, and
// newer nix accepts the flag even when the features are already on.
const nixFeatures = "nix-command flakes"

// nixSearchRegex is the regex given to `nix search`: it matches every
// package, and nix ≥ 2.20 rejects an empty regex.
const nixSearchRegex = "^"

// NixError is a nix run that exited with a non-zero status.
type NixError struct {
	// Args is the full argv, Args[0] being the nix program.
	Args []string
	// ExitCode is nix's exit status (-1 when it was killed by a signal).
	ExitCode int
	// Stderr is the tail of nix's stderr (the last nixStderrTailLines lines,
	// progress lines left out), control characters stripped.
	Stderr string
}

// Error returns one line: the nix command, its status and nix's first
// error line (or the last line of its stderr).
func (e *NixError) Error() string {
	return fmt.Sprintf("%s failed (exit status %d): %s", nixCommandName(e.Args), e.ExitCode, nixErrorSummary(e.Stderr))
}

// nixCommandName returns "nix <subcommand>" for an argv built by Nix, e.g.
// "nix search" or "nix flake metadata", for messages.
func nixCommandName(args []string) string {
	words := []string{"nix"}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--extra-experimental-features" {
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

// nixErrorSummary picks the line of a stderr tail that says what went
// wrong: the first "error:" line without that prefix, else the last
// non-empty line.
func nixErrorSummary(stderr string) string {
	lines := strings.Split(stderr, "\n")
	for _, l := range lines {
		if msg, ok := strings.CutPrefix(strings.TrimSpace(l), "error:"); ok {
			return strings.TrimSpace(msg)
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return "no error output"
}

// nixBase returns the argv prefix for a subcommand: the program, the
// experimental features, the subcommand words, then ExtraArgs.
func (n Nix) nixBase(sub ...string) []string {
	bin := n.Bin
	if bin == "" {
		bin = "nix"
	}
	args := []string{bin, "--extra-experimental-features", nixFeatures}
	args = append(args, sub...)
	return append(args, n.ExtraArgs...)
}

// SearchArgs is the argv of `nix search --system <system> <ref> ^ --json`
// for src (the --system is left out when src.System is ""): nix searches
// packages.<system> and legacyPackages.<system> of that system only.
func (n Nix) SearchArgs(src Source) []string {
	args := n.nixBase("search")
	if src.System != "" {
		args = append(args, "--system", src.System)
	}
	return append(args, src.Ref, nixSearchRegex, "--json")
}

// MetadataArgs is the argv of `nix flake metadata <ref> --json`.
func (n Nix) MetadataArgs(ref string) []string {
	return append(n.nixBase("flake", "metadata"), ref, "--json")
}

// EvalArgs is the argv of the one `nix eval` that Verify runs: it applies
// nixVerifyExpr(names) to <ref>#<set>.<system>, where set is
// "legacyPackages" or "packages". The result is a JSON list of booleans,
// one per name.
func (n Nix) EvalArgs(src Source, set string, names []string) []string {
	return append(n.nixBase("eval"), "--json", nixInstallable(src, set), "--apply", nixVerifyExpr(names))
}

// MetaArgs is the argv of the `nix eval` that Meta runs for one attribute
// path of <ref>#<set>.<system>.
func (n Nix) MetaArgs(src Source, set, attr string) []string {
	return append(n.nixBase("eval"), "--json", nixInstallable(src, set), "--apply", nixMetaExpr(attr))
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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Encoding a [][]string cannot fail.
	_ = enc.Encode(paths)
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

// Search runs `nix search <src.Ref> ^ --json` for src.System and returns every package,
// sorted by Attr. Stdout is parsed while nix writes it and stderr is read
// at the same time; progress (may be nil) is called, from another
// goroutine but never concurrently, with the number of attributes nix has
// evaluated so far, at most every nixProgressInterval plus once at the end;
// it must return quickly (nix waits while its stderr is not read).
// A non-zero exit is a *NixError even when stdout held valid JSON. When ctx
// ends, nix is killed and ctx's error is returned (wrapped).
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
	runErr := n.nixRun(ctx, n.SearchArgs(src), pw, progress)
	pw.Close() // EOF for the parser
	res := <-done
	if runErr != nil {
		return nil, runErr
	}
	if res.err != nil {
		return nil, fmt.Errorf("nix search %s: %w", src.Ref, res.err)
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
	out, err := n.nixEvalPackageSet(ctx, src, func(set string) []string { return n.EvalArgs(src, set, names) })
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
	out, err := n.nixEvalPackageSet(ctx, src, func(set string) []string { return n.MetaArgs(src, set, attr) })
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
// a nixStderr (progress counting, tail). It maps a non-zero exit to
// *NixError and a cancelled run to ctx's error.
func (n Nix) nixRun(ctx context.Context, args []string, stdout io.Writer, onEval func(int)) error {
	runner := n.Runner
	if runner == nil {
		runner = ExecRunner{}
	}
	stderr := &nixStderr{onEval: onEval}
	err := runner.Run(ctx, Command{Args: args, Stdout: stdout, Stderr: stderr})
	stderr.finish()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", nixCommandName(args), ctxErr)
	}
	if err == nil {
		return nil
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return &NixError{Args: args, ExitCode: coded.ExitCode(), Stderr: stderr.tail()}
	}
	return fmt.Errorf("%s: %w", nixCommandName(args), err)
}

// nixStderrTailLines is how many stderr lines a NixError keeps: enough for
// nix's error message and its code excerpt, small enough to print.
const nixStderrTailLines = 20

// nixStderrMaxLine caps one kept stderr line, so a pathological line
// (a huge value in a trace) cannot grow memory without bound.
const nixStderrMaxLine = 4096

// nixProgressInterval throttles progress callbacks: nix prints one line per
// attribute (over 100k for nixpkgs), far more than a progress bar can show.
const nixProgressInterval = 100 * time.Millisecond

// nixProgressPrefix starts nix's per-attribute progress line on stderr,
// `evaluating 'legacyPackages.x86_64-linux.hello'...`.
const nixProgressPrefix = "evaluating '"

// nixTraceProgressPrefix starts the same line printed with builtins.trace
// by an index shard's meta walk (nixShardMetaBody).
const nixTraceProgressPrefix = "trace: " + nixProgressPrefix

// nixStderr is the io.Writer nix's stderr is streamed into. It splits
// lines, counts progress lines and keeps the last other lines. Writes come
// from one goroutine at a time (the runner's copier).
type nixStderr struct {
	onEval     func(int)
	evaluated  int
	reported   int
	lastReport time.Time
	partial    []byte
	lines      []string // ring buffer of kept lines
	next       int      // index in lines of the oldest line once full
}

// Write implements io.Writer; it never fails.
func (w *nixStderr) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.partial = nixAppendCapped(w.partial, p)
			break
		}
		w.partial = nixAppendCapped(w.partial, p[:i])
		w.line(w.partial)
		w.partial = w.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func nixAppendCapped(dst, p []byte) []byte {
	if room := nixStderrMaxLine - len(dst); len(p) > room {
		p = p[:max(room, 0)]
	}
	return append(dst, p...)
}

func (w *nixStderr) line(b []byte) {
	if bytes.HasPrefix(b, []byte(nixProgressPrefix)) || bytes.HasPrefix(b, []byte(nixTraceProgressPrefix)) {
		w.evaluated++
		if w.onEval != nil && (w.reported == 0 || time.Since(w.lastReport) >= nixProgressInterval) {
			w.report()
		}
		return
	}
	s := nixSanitize(string(b), false)
	if len(w.lines) < nixStderrTailLines {
		w.lines = append(w.lines, s)
		return
	}
	w.lines[w.next] = s
	w.next = (w.next + 1) % nixStderrTailLines
}

func (w *nixStderr) report() {
	w.reported = w.evaluated
	w.lastReport = time.Now()
	w.onEval(w.evaluated)
}

// finish handles a last line without a newline and reports the final
// progress count.
func (w *nixStderr) finish() {
	if len(w.partial) > 0 {
		w.line(w.partial)
		w.partial = nil
	}
	if w.onEval != nil && w.evaluated != w.reported {
		w.report()
	}
}

// tail returns the kept lines, oldest first, without blank lines at either
// end.
func (w *nixStderr) tail() string {
	ordered := append(append([]string{}, w.lines[w.next:]...), w.lines[:w.next]...)
	for len(ordered) > 0 && ordered[0] == "" {
		ordered = ordered[1:]
	}
	for len(ordered) > 0 && ordered[len(ordered)-1] == "" {
		ordered = ordered[:len(ordered)-1]
	}
	return strings.Join(ordered, "\n")
}
