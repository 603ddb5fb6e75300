package devshell

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devsh/devsh/devshell/envrc"
	"github.com/devsh/devsh/internal/atomicfile"
	"github.com/devsh/devsh/internal/run"
)

// Approval is direnv's approval state of an .envrc.
type Approval int

// The approval states; direnv ≥ 2.33 reports them as numbers (0 allowed,
// 1 not allowed, 2 denied), 2.32 as true/false with no denied state (its
// `direnv deny` only revokes the approval).
const (
	ApprovalUnknown Approval = iota
	Allowed
	NotAllowed
	Denied
)

// String returns the state as a word.
func (a Approval) String() string {
	switch a {
	case Allowed:
		return "allowed"
	case NotAllowed:
		return "not allowed"
	case Denied:
		return "denied"
	default:
		return "unknown"
	}
}

// Direnv runs direnv for a project.
type Direnv struct {
	// Runner runs direnv; nil means ExecRunner.
	Runner Runner
	// Bin is the direnv program; "direnv" (looked up in PATH) by default.
	Bin string
}

// direnvJSONMajor and direnvJSONMinor name the first direnv release whose
// `status` takes --json (2.33.0); older ones ignore the flag and print text.
const (
	direnvJSONMajor = 2
	direnvJSONMinor = 33
)

// direnvVersion is a release number major.minor.patch.
type direnvVersion [3]int

// direnvForm is the form a `direnv status` output was parsed from.
type direnvForm int

const (
	direnvFormText direnvForm = iota + 1
	direnvFormJSON
)

// String names the form.
func (f direnvForm) String() string {
	switch f {
	case direnvFormText:
		return "text"
	case direnvFormJSON:
		return "json"
	default:
		return "none"
	}
}

// direnvStatusResult is one parsed `direnv status`.
type direnvStatusResult struct {
	Found    string // path of the RC file direnv found; "" when none
	Approval Approval
	Form     direnvForm
}

func (d Direnv) bin() string {
	if d.Bin == "" {
		return "direnv"
	}
	return d.Bin
}

// versionArgs builds the argv printing direnv's version.
func (d Direnv) versionArgs() []string { return []string{d.bin(), "version"} }

// statusArgs builds the argv of `direnv status`, asking for JSON when json
// is set (direnv ≥ 2.33).
func (d Direnv) statusArgs(json bool) []string {
	if json {
		return []string{d.bin(), "status", "--json"}
	}
	return []string{d.bin(), "status"}
}

// allowArgs builds the argv approving the .envrc of the working directory.
// No path is passed: given one, direnv resolves symlinks first and approves
// the link's target, which the shell hook never loads (a symlinked .envrc
// would lose its approval); in the directory it approves the .envrc by the
// name the hook uses.
func (d Direnv) allowArgs() []string {
	return []string{d.bin(), "allow"}
}

// reloadArgs builds the argv of `direnv reload`, which marks the RC file of
// the working directory as changed so the shell hook reloads it.
func (d Direnv) reloadArgs() []string { return []string{d.bin(), "reload"} }

// Available returns nil when direnv can be run, or an error (wrapping
// exec.ErrNotFound when the program is missing).
func (d Direnv) Available() error {
	_, err := d.direnvStatusJSON(context.Background())
	return err
}

// direnvStatusJSON runs `direnv version` and reports whether this direnv's
// status takes --json. An unparsable version (a development build, say) gets
// --json: releases before 2.33 ignore it and print text, which the parser
// recognises. An error means direnv cannot be run (it wraps exec.ErrNotFound
// when the program is missing). One run serves every status of an operation:
// callers pass the answer on instead of asking again.
func (d Direnv) direnvStatusJSON(ctx context.Context) (bool, error) {
	stdout, stderr, err := run.Output(ctx, runnerOrDefault(d.Runner), Command{Args: d.versionArgs()})
	if err != nil {
		return false, runnerError("direnv version", err, stderr)
	}
	if v, err := direnvParseVersion(stdout); err == nil {
		return !v.less(direnvVersion{direnvJSONMajor, direnvJSONMinor, 0}), nil
	}
	return true, nil
}

// Status runs `direnv status` in dir and returns the RC file direnv found
// there (or "" when none) with its approval. Whether to ask for JSON is
// decided from `direnv version`; the output is parsed by its form, so a
// direnv that ignores --json still works.
func (d Direnv) Status(ctx context.Context, dir string) (found string, a Approval, err error) {
	res, err := d.direnvStatus(ctx, dir)
	if err != nil {
		return "", ApprovalUnknown, err
	}
	return res.Found, res.Approval, nil
}

// direnvStatus is Status, also telling which output form was parsed.
func (d Direnv) direnvStatus(ctx context.Context, dir string) (direnvStatusResult, error) {
	useJSON, err := d.direnvStatusJSON(ctx)
	if err != nil {
		return direnvStatusResult{}, err
	}
	return d.direnvStatusAs(ctx, dir, useJSON)
}

// direnvStatusAs runs `direnv status` in dir, with --json when useJSON is
// set (see direnvStatusJSON), and parses it.
func (d Direnv) direnvStatusAs(ctx context.Context, dir string, useJSON bool) (direnvStatusResult, error) {
	stdout, stderr, err := run.Output(ctx, runnerOrDefault(d.Runner), Command{Dir: dir, Args: d.statusArgs(useJSON)})
	if err != nil {
		return direnvStatusResult{}, runnerError("direnv status in "+dir, err, stderr)
	}
	res, err := direnvParseStatus(stdout)
	if err != nil {
		return direnvStatusResult{}, fmt.Errorf("direnv status in %s: %w", dir, err)
	}
	return res, nil
}

// Allow approves the .envrc at envrcPath as it is now (`direnv allow` in its
// directory, see allowArgs). envrcPath must name an existing .envrc, so that
// direnv cannot approve a parent's RC file instead.
func (d Direnv) Allow(ctx context.Context, envrcPath string) error {
	abs, err := filepath.Abs(envrcPath)
	if err != nil {
		return fmt.Errorf("direnv allow %s: %w", envrcPath, err)
	}
	if filepath.Base(abs) != ".envrc" {
		return fmt.Errorf("direnv allow %s: devsh approves only files named .envrc", abs)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("direnv allow %s: %w", abs, err)
	}
	_, stderr, err := run.Output(ctx, runnerOrDefault(d.Runner), Command{Dir: filepath.Dir(abs), Args: d.allowArgs()})
	if err != nil {
		return runnerError("direnv allow "+abs, err, stderr)
	}
	return nil
}

// Reload runs `direnv reload` in dir, so a shell there picks up changes of
// files the .envrc watches (direnv touches the RC file). It fails when dir
// has no RC file.
func (d Direnv) Reload(ctx context.Context, dir string) error {
	_, stderr, err := run.Output(ctx, runnerOrDefault(d.Runner), Command{Dir: dir, Args: d.reloadArgs()})
	if err != nil {
		return runnerError("direnv reload in "+dir, err, stderr)
	}
	return nil
}

// EnvrcUpdate is what SafeEnvrcUpdate did.
type EnvrcUpdate struct {
	Changed   bool // op changed the file's bytes
	Reallowed bool // the file was allowed before the change and was re-allowed
	// Allowed is whether direnv allows the file as SafeEnvrcUpdate left it:
	// allowed before and left unchanged, or re-allowed.
	Allowed bool
	// Note explains, in one line, why an approved file was not re-allowed
	// when that is not simply "it was not approved before".
	Note string
}

// SafeEnvrcUpdate: read approval of envrcPath first, run atomicfile.Update(envrcPath,
// op), then re-allow ONLY if it was Allowed before and the content changed.
// Never allow NotAllowed/Denied/unknown. Returns what happened, including
// whether the file ends up allowed, so that callers need not ask direnv again.
//
// Approval is per content, so re-allowing is also skipped (Reallowed false,
// no error) when the content op finally applied to is not the content that
// was approved — someone else edited the file meanwhile. The approval is
// never widened: `direnv allow` reads the file again, so afterwards devsh
// checks direnv's approval records (see direnvApprovals) and, when direnv
// approved content devsh did not write, deletes that approval and returns an
// error saying so. The edit lock of the .envrc's directory is held from the
// first read to that check, so no other devsh writes in between.
func (d Direnv) SafeEnvrcUpdate(ctx context.Context, envrcPath string, op func([]byte, bool) ([]byte, error)) (EnvrcUpdate, error) {
	useJSON, err := d.direnvStatusJSON(ctx)
	if err != nil {
		return EnvrcUpdate{}, fmt.Errorf("update %s: read approval: %w", envrcPath, err)
	}
	return d.direnvSafeUpdate(ctx, envrcPath, op, useJSON)
}

// direnvSafeUpdate is SafeEnvrcUpdate for a direnv whose status form is
// known (see direnvStatusJSON).
func (d Direnv) direnvSafeUpdate(ctx context.Context, envrcPath string, op func([]byte, bool) ([]byte, error), useJSON bool) (EnvrcUpdate, error) {
	abs, err := filepath.Abs(envrcPath)
	if err != nil {
		return EnvrcUpdate{}, fmt.Errorf("update %s: %w", envrcPath, err)
	}
	lock, err := atomicfile.Acquire(ctx, abs)
	if err != nil {
		return EnvrcUpdate{}, err
	}
	defer lock.Release()
	approved, approvedExists, err := atomicfile.ReadFile(abs)
	if err != nil {
		return EnvrcUpdate{}, err
	}
	status, err := d.direnvStatusAs(ctx, filepath.Dir(abs), useJSON)
	if err != nil {
		return EnvrcUpdate{}, fmt.Errorf("update %s: read approval: %w", abs, err)
	}
	approval := status.Approval
	if !approvedExists || !direnvSameFile(status.Found, abs) {
		// direnv found no RC file here or another one (.env, a parent's
		// .envrc): its approval says nothing about this file.
		approval = ApprovalUnknown
	}
	if approval == Allowed {
		// The approval is of the content read before the status unless the
		// file changed while direnv was looking at it.
		now, nowExists, err := atomicfile.ReadFile(abs)
		if err != nil {
			return EnvrcUpdate{}, err
		}
		if !nowExists || !bytes.Equal(now, approved) {
			approval = ApprovalUnknown
		}
	}

	before, after, err := lock.Update(ctx, op)
	if err != nil {
		return EnvrcUpdate{}, err
	}
	// The approval holds for what op found only if that is the approved content.
	wasAllowed := approval == Allowed && bytes.Equal(before, approved)
	res := EnvrcUpdate{Changed: !bytes.Equal(before, after)}
	if !res.Changed || !wasAllowed {
		res.Allowed = wasAllowed // true only when unchanged: still the approved content
		return res, nil
	}
	// Re-allow only where devsh can check afterwards what direnv approved:
	// the records must be where and as devsh expects (the approved content
	// has its record), else a widened approval could go unnoticed.
	records := direnvApprovals{dir: direnvAllowDir(os.Getenv), path: status.Found}
	if !records.has(approved) {
		// Allowed without a record: a whitelist in direnv's config allows
		// the path whatever its content, so it needs no re-allow.
		if now, err := d.direnvStatusAs(ctx, filepath.Dir(abs), useJSON); err == nil &&
			now.Approval == Allowed && direnvSameFile(now.Found, abs) {
			res.Allowed = true
			return res, nil
		}
		res.Note = "direnv's approval records are not where devsh can check them (" + records.dir + "), so the changed .envrc was not re-allowed; review it, then run: direnv allow"
		return res, nil
	}
	seen, err := records.list()
	if err != nil {
		return res, fmt.Errorf("update %s: read direnv's approvals: %w", abs, err)
	}
	if err := d.Allow(ctx, abs); err != nil {
		return res, err
	}
	foreign, err := records.revokeNew(seen, after)
	if err != nil {
		return res, fmt.Errorf("update %s: direnv approved content devsh did not write, and revoking it failed: %w (run: direnv deny %s)", abs, err, envrc.Quote(abs))
	}
	if foreign > 0 {
		return res, fmt.Errorf("update %s: changed by someone else while direnv approved it: that approval was revoked; review .envrc, then run: direnv allow", abs)
	}
	if !records.has(after) {
		return res, fmt.Errorf("update %s: direnv allow did not approve the content devsh wrote; review .envrc, then run: direnv allow", abs)
	}
	res.Reallowed, res.Allowed = true, true
	return res, nil
}

// direnvApprovals are direnv's approval records of one RC file: direnv
// approves content by creating dir/<sha256 of path, "\n", content>, whose
// own content is path and "\n" (the same in direnv 2.32 and 2.37).
type direnvApprovals struct {
	dir  string // $XDG_DATA_HOME/direnv/allow
	path string // the RC file as direnv names it (status's Found path)
}

// direnvAllowDir is where direnv keeps its approvals: $XDG_DATA_HOME/direnv/allow,
// else $HOME/.local/share/direnv/allow, as direnv's own xdg.DataDir decides.
func direnvAllowDir(getenv func(string) string) string {
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "direnv", "allow")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "direnv", "allow")
	}
	return ""
}

// name is the record that approves content.
func (a direnvApprovals) name(content []byte) string {
	h := sha256.New()
	h.Write([]byte(a.path + "\n"))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// has reports whether content is approved.
func (a direnvApprovals) has(content []byte) bool {
	if a.dir == "" || a.path == "" {
		return false
	}
	fi, err := os.Lstat(filepath.Join(a.dir, a.name(content)))
	return err == nil && fi.Mode().IsRegular()
}

// list returns the names of the records in the directory.
func (a direnvApprovals) list() (map[string]bool, error) {
	entries, err := os.ReadDir(a.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names, nil
}

// revokeNew deletes the records of this RC file that appeared since seen
// and do not approve want (content written by someone else between devsh's
// write and direnv's read), and returns how many it deleted.
func (a direnvApprovals) revokeNew(seen map[string]bool, want []byte) (int, error) {
	now, err := a.list()
	if err != nil {
		return 0, err
	}
	keep := a.name(want)
	n := 0
	for name := range now {
		if seen[name] || name == keep {
			continue
		}
		rec := filepath.Join(a.dir, name)
		data, ok, err := atomicfile.ReadFileNoFollow(rec)
		if err != nil || !ok || string(data) != a.path+"\n" {
			continue // another file's approval (or not a record)
		}
		if err := os.Remove(rec); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, err
		}
		n++
	}
	return n, nil
}

// direnvSameFile reports whether the RC file direnv found is the file at path.
func direnvSameFile(found, path string) bool {
	if found == "" {
		return false
	}
	a, errA := os.Stat(found)
	b, errB := os.Stat(path)
	if errA != nil || errB != nil {
		return filepath.Clean(found) == filepath.Clean(path)
	}
	return os.SameFile(a, b)
}

// direnvParseVersion parses `direnv version` output such as "2.32.1\n"
// (a leading "v" and a "-suffix" or "+suffix" are accepted).
func direnvParseVersion(out []byte) (direnvVersion, error) {
	s := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	if i := strings.IndexAny(s, "-+ "); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return direnvVersion{}, fmt.Errorf("unrecognised direnv version %q", strings.TrimSpace(string(out)))
	}
	var v direnvVersion
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return direnvVersion{}, fmt.Errorf("unrecognised direnv version %q", strings.TrimSpace(string(out)))
		}
		v[i] = n
	}
	return v, nil
}

// less reports whether v is an older release than w.
func (v direnvVersion) less(w direnvVersion) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

// direnvParseStatus parses `direnv status` output of either form: JSON
// (≥ 2.33 with --json) when it starts with '{', else text.
func direnvParseStatus(out []byte) (direnvStatusResult, error) {
	if t := bytes.TrimSpace(out); len(t) > 0 && t[0] == '{' {
		return direnvParseStatusJSON(out)
	}
	return direnvParseStatusText(out)
}

// direnvParseStatusJSON parses `direnv status --json` (direnv ≥ 2.33):
// .state.foundRC is null or {"path": ..., "allowed": 0|1|2}.
func direnvParseStatusJSON(out []byte) (direnvStatusResult, error) {
	var doc struct {
		State *struct {
			FoundRC *struct {
				Path    *string `json:"path"`
				Allowed *int    `json:"allowed"`
			} `json:"foundRC"`
		} `json:"state"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return direnvStatusResult{}, fmt.Errorf("parse status JSON: %w", err)
	}
	if doc.State == nil {
		return direnvStatusResult{}, errors.New("parse status JSON: no \"state\" object")
	}
	res := direnvStatusResult{Form: direnvFormJSON}
	rc := doc.State.FoundRC
	if rc == nil {
		return res, nil
	}
	if rc.Path == nil || *rc.Path == "" || rc.Allowed == nil {
		return direnvStatusResult{}, errors.New("parse status JSON: foundRC lacks path or allowed")
	}
	a, err := direnvApprovalFrom(strconv.Itoa(*rc.Allowed))
	if err != nil {
		return direnvStatusResult{}, fmt.Errorf("parse status JSON: %w", err)
	}
	res.Found, res.Approval = *rc.Path, a
	return res, nil
}

// direnvParseStatusText parses the text `direnv status`: the "Found RC path
// P" and "Found RC allowed V" lines (V true/false on 2.32, 0/1/2 later). The
// "Loaded RC ..." lines describe the RC of the current environment and are
// ignored. No "Found RC path" line means no RC file.
func direnvParseStatusText(out []byte) (direnvStatusResult, error) {
	const (
		pathPrefix    = "Found RC path "
		allowedPrefix = "Found RC allowed "
	)
	res := direnvStatusResult{Form: direnvFormText}
	var allowed string
	haveAllowed := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	inPath := false
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, pathPrefix):
			res.Found, inPath = strings.TrimPrefix(line, pathPrefix), true
		case strings.HasPrefix(line, allowedPrefix):
			allowed, haveAllowed = strings.TrimSpace(strings.TrimPrefix(line, allowedPrefix)), true
			inPath = false
		case inPath && !strings.HasPrefix(line, "Found "):
			// The text form prints the path raw: a newline in it
			// continues it on the next line, up to the next "Found ..." line.
			res.Found += "\n" + line
		default:
			inPath = false
		}
	}
	if err := sc.Err(); err != nil {
		return direnvStatusResult{}, fmt.Errorf("parse status: %w", err)
	}
	if res.Found == "" {
		if haveAllowed {
			return direnvStatusResult{}, errors.New("parse status: \"Found RC allowed\" without \"Found RC path\"")
		}
		return res, nil
	}
	if !haveAllowed {
		return direnvStatusResult{}, fmt.Errorf("parse status: no \"Found RC allowed\" line for %s", res.Found)
	}
	a, err := direnvApprovalFrom(allowed)
	if err != nil {
		return direnvStatusResult{}, fmt.Errorf("parse status: %w", err)
	}
	res.Approval = a
	return res, nil
}

// direnvApprovalFrom maps a status "allowed" value to an Approval.
func direnvApprovalFrom(v string) (Approval, error) {
	switch v {
	case "true", "0":
		return Allowed, nil
	case "false", "1":
		return NotAllowed, nil
	case "2":
		return Denied, nil
	}
	return ApprovalUnknown, fmt.Errorf("unknown approval value %q", v)
}
