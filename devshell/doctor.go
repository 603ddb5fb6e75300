package devshell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devsh/devsh/devshell/envrc"
	"github.com/devsh/devsh/internal/atomicfile"
	"github.com/devsh/devsh/internal/nixcli"
	"github.com/devsh/devsh/internal/run"
	"github.com/devsh/devsh/internal/termtext"
)

// This file holds the checks of `devsh doctor`: is everything the workflow
// needs in place — nix with flakes, direnv with its shell hook, an approved
// .envrc watching every file the shell is built from, and those files
// tracked by git so that the flake can see them.

// CheckState is the outcome of one check.
type CheckState int

// The outcomes: OK, a warning (worth knowing, nothing is broken), a failure.
const (
	CheckOK CheckState = iota
	CheckWarn
	CheckFail
)

// Mark is the state's symbol: ✓, ! or ✗.
func (s CheckState) Mark() string {
	switch s {
	case CheckOK:
		return "✓"
	case CheckWarn:
		return "!"
	default:
		return "✗"
	}
}

// Check is one line of `devsh doctor`.
type Check struct {
	Name   string // what was checked, e.g. "direnv hook"
	State  CheckState
	Detail string // what was found
	Fix    string // what to do about it; "" when nothing
}

// String renders the check as one line: "✓ nix: 2.8.0" or
// "✗ .envrc: not allowed; fix: direnv allow".
func (c Check) String() string {
	s := c.State.Mark() + " " + c.Name + ": " + c.Detail
	if c.Fix != "" {
		s += "; fix: " + c.Fix
	}
	return s
}

// doctorFlakeProbe is a nix expression that is true exactly when the flakes
// feature is on: builtins.getFlake exists only then.
const doctorFlakeProbe = "builtins ? getFlake"

// doctorNixVersionArgs builds the argv printing nix's version.
func doctorNixVersionArgs() []string { return []string{"nix", "--version"} }

// doctorFlakeProbeArgs builds the argv evaluating doctorFlakeProbe, with
// the feature flags devsh passes itself when withFlags is set, else with the
// user's own configuration only. Its stderr is nix's JSON log, as for every
// nix run devsh reads (nixcli.LogArgs), read by doctorNixTail.
func doctorFlakeProbeArgs(withFlags bool) []string {
	args := []string{"nix"}
	if withFlags {
		args = append(args, nixcli.FeaturesFlag, nixcli.Features)
	}
	args = append(args, "eval")
	args = append(args, nixcli.LogArgs()...)
	return append(args, "--expr", doctorFlakeProbe)
}

// doctorRun is the outcome of one program run, for the pure check functions.
type doctorRun struct {
	stdout, stderr []byte
	err            error
}

// doctorExec runs one program of the nix checks, with nix's environment
// (nixcli.Env: NO_COLOR, as Lix ≥ 2.91 colours a pipe when
// FORCE_COLOR is set) and LC_ALL=C.
func doctorExec(ctx context.Context, r Runner, args []string) doctorRun {
	env := append([]string{"LC_ALL=C"}, nixcli.Env()...)
	stdout, stderr, err := run.Output(ctx, runnerOrDefault(r), Command{Args: args, Env: env})
	return doctorRun{stdout, stderr, err}
}

// DoctorNix checks that nix is installed and that flakes work: for devsh
// (which passes the feature flags itself) and for the user's own `nix
// develop` and direnv's `use flake`, which run nix without them.
func DoctorNix(ctx context.Context, r Runner) []Check {
	version := doctorExec(ctx, r, doctorNixVersionArgs())
	nix, v := doctorNixCheck(version)
	if nix.State == CheckFail {
		return []Check{nix, {Name: "flakes", State: CheckFail, Detail: "cannot check without nix", Fix: "install nix first"}}
	}
	if c, decided := doctorFlakesByVersion(v); decided {
		return []Check{nix, c}
	}
	withFlags := doctorExec(ctx, r, doctorFlakeProbeArgs(true))
	plain := doctorExec(ctx, r, doctorFlakeProbeArgs(false))
	return []Check{nix, doctorFlakesCheck(v, withFlags, plain)}
}

// Nix implementations `nix --version` names.
const (
	doctorImplNix         = "Nix"
	doctorImplLix         = "Lix"
	doctorImplDeterminate = "Determinate Nix"
)

// doctorNixVersion is what the first line of `nix --version` says: "nix
// (Nix) 2.8.0", "nix (Lix, like Nix) 2.93.0", "nix (Determinate Nix
// 3.6.2) 2.29.0".
type doctorNixVersion struct {
	Line string // the whole line, sanitised
	// Impl is doctorImplNix, doctorImplLix or doctorImplDeterminate
	// (another name in the parentheses is kept as it is).
	Impl string
	// Version is the last word ("2.29.0": the Nix version Determinate
	// builds on); Major and Minor its numbers (0 when not numeric).
	Version      string
	Major, Minor int
}

// parseDoctorNixVersion reads the first line of `nix --version`.
func parseDoctorNixVersion(out string) doctorNixVersion {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	line = termtext.Line(line)
	v := doctorNixVersion{Line: line, Impl: doctorImplNix}
	if fields := strings.Fields(line); len(fields) > 0 {
		v.Version = fields[len(fields)-1]
	}
	if i, j := strings.Index(line, "("), strings.Index(line, ")"); i >= 0 && j > i {
		impl := line[i+1 : j]
		switch {
		case strings.HasPrefix(impl, "Lix"):
			v.Impl = doctorImplLix
		case strings.HasPrefix(impl, "Determinate Nix"):
			v.Impl = doctorImplDeterminate
		case impl != "":
			v.Impl = impl
		}
	}
	nums := strings.SplitN(v.Version, ".", 3)
	if len(nums) >= 2 {
		major, err1 := strconv.Atoi(nums[0])
		minor, err2 := strconv.Atoi(nums[1])
		if err1 == nil && err2 == nil {
			v.Major, v.Minor = major, minor
		}
	}
	return v
}

// doctorNixCheck reads `nix --version`; the detail is its whole line, so
// Lix and Determinate Nix are named.
func doctorNixCheck(run doctorRun) (Check, doctorNixVersion) {
	c := Check{Name: "nix"}
	if errors.Is(run.err, exec.ErrNotFound) {
		c.State, c.Detail, c.Fix = CheckFail, "not found", "install nix (https://nixos.org/download), then open a new shell"
		return c, doctorNixVersion{}
	}
	if run.err != nil {
		c.State, c.Detail, c.Fix = CheckFail, "nix --version failed: "+doctorTail(run), "repair the nix installation"
		return c, doctorNixVersion{}
	}
	v := parseDoctorNixVersion(string(run.stdout))
	if v.Line == "" {
		c.State, c.Detail, c.Fix = CheckFail, "nix --version printed nothing", "repair the nix installation"
		return c, v
	}
	c.Detail = v.Line
	return c, v
}

// doctorFlakesByVersion decides the flakes check from the version alone
// where it can: Nix before 2.4 has no flakes at all (and no flag to turn
// them on). Lix (every release) and Determinate Nix have them; the probe
// decides the rest.
func doctorFlakesByVersion(v doctorNixVersion) (Check, bool) {
	if v.Impl == doctorImplNix && v.Major > 0 && (v.Major < 2 || (v.Major == 2 && v.Minor < 4)) {
		return Check{Name: "flakes", State: CheckFail,
			Detail: "nix " + v.Version + " is too old for flakes (they came with nix 2.4)",
			Fix:    "install nix 2.4 or later (https://nixos.org/download)"}, true
	}
	return Check{}, false
}

// doctorFlakesCheck reads the flake probe run with devsh's flags and
// without, for the nix implementation v names.
func doctorFlakesCheck(v doctorNixVersion, withFlags, plain doctorRun) Check {
	c := Check{Name: "flakes"}
	if withFlags.err != nil || strings.TrimSpace(string(withFlags.stdout)) != "true" {
		c.State = CheckFail
		c.Detail = "this nix cannot evaluate flakes: " + doctorNixTail(withFlags)
		c.Fix = "install nix 2.4 or later"
		if v.Impl != doctorImplNix {
			c.Fix = "update " + v.Impl + ", or install nix 2.4 or later"
		}
		return c
	}
	out := strings.TrimSpace(string(plain.stdout))
	if plain.err == nil && out == "true" {
		c.Detail = "enabled in your nix configuration"
		if v.Impl == doctorImplDeterminate {
			c.Detail = "enabled (Determinate Nix has them on by default)"
		}
		return c
	}
	missing := "flakes"
	if plain.err != nil {
		missing = "nix-command and flakes"
	}
	c.State = CheckFail
	c.Detail = "devsh passes the flags itself, but " + missing +
		" are off in your nix configuration, so your own nix develop and direnv's use flake fail"
	if v.Impl == doctorImplDeterminate {
		// Determinate Nix enables both itself: something turned them off.
		c.Detail = "devsh passes the flags itself, but " + missing +
			" are off although Determinate Nix enables them by default (an experimental-features setting replaces its list)"
	}
	// nix reads the same environment as devsh: its nix.conf is found the same way.
	c.Fix = doctorNixConfFix(os.Getenv)
	return c
}

// doctorNixConfFix is where the user turns the features on, as nix finds
// its user configuration: NIX_CONFIG is applied last, so when it sets
// experimental-features that is where they must go; else the first file of
// NIX_USER_CONF_FILES (it replaces the XDG lookup, and nix applies its files
// last to first, so the first wins); else $XDG_CONFIG_HOME/nix/nix.conf
// (~/.config by default). Paths under $HOME are shown with "~".
func doctorNixConfFix(getenv func(string) string) string {
	line := "experimental-features = " + nixcli.Features
	if conf := getenv("NIX_CONFIG"); conf != "" {
		for _, l := range strings.Split(conf, "\n") {
			if k, _, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "experimental-features" {
				return `NIX_CONFIG sets experimental-features and overrides nix.conf: add "` + nixcli.Features + `" to that line of NIX_CONFIG`
			}
		}
	}
	home := getenv("HOME")
	var file string
	if files := getenv("NIX_USER_CONF_FILES"); files != "" {
		file, _, _ = strings.Cut(files, ":")
	} else {
		config := getenv("XDG_CONFIG_HOME")
		if config == "" {
			config = filepath.Join(home, ".config")
		}
		file = filepath.Join(config, "nix", "nix.conf")
	}
	return `add "` + line + `" to ` + doctorTilde(file, home)
}

// doctorTail is the last stderr line of a failed run, or its error.
func doctorTail(run doctorRun) string {
	if t := runnerStderrTail(run.stderr); t != "" {
		return t
	}
	if run.err != nil {
		return run.err.Error()
	}
	return strings.TrimSpace(string(run.stdout))
}

// doctorNixTail is nix's error of a failed probe run (its JSON log read by
// nixcli.StderrError, as nixsearch reads every nix run's), or doctorTail
// when nix wrote no error.
func doctorNixTail(run doctorRun) string {
	if len(bytes.TrimSpace(run.stderr)) > 0 {
		if msg, _ := nixcli.StderrError(run.stderr); msg != "" {
			return msg
		}
	}
	return doctorTail(run)
}

// DoctorDirenv checks direnv: installed, its version, and whether the
// user's shell runs its hook (see direnvHookCheck).
func DoctorDirenv(ctx context.Context, d Direnv, getenv func(string) string, readFile func(string) ([]byte, error)) []Check {
	stdout, stderr, err := run.Output(ctx, runnerOrDefault(d.Runner), Command{Args: d.versionArgs()})
	c := Check{Name: "direnv"}
	switch {
	case errors.Is(err, exec.ErrNotFound):
		// direnv is optional: devsh edits and syncs .envrc without it.
		c.State, c.Detail = CheckWarn, "not found (optional: devsh still keeps .envrc in sync, but nothing loads the shell on cd)"
		c.Fix = "install direnv (https://direnv.net) and hook it into your shell, or enter the shell with nix develop"
		return []Check{c}
	case err != nil:
		c.State, c.Detail, c.Fix = CheckFail, "direnv version failed: "+doctorTail(doctorRun{stdout, stderr, err}), "repair the direnv installation"
		return []Check{c}
	}
	c.Detail = strings.TrimSpace(string(stdout))
	return []Check{c, direnvHookCheck(getenv, readFile)}
}

// doctorShellRC lists, for a shell, the start-up files its direnv hook is
// usually put in: the user's, then the system-wide ones (which NixOS,
// nix-darwin and home-manager setups write).
func doctorShellRC(shell string, getenv func(string) string) (rcs []string, hookLine string) {
	home := getenv("HOME")
	switch shell {
	case "bash":
		return []string{
			filepath.Join(home, ".bashrc"), filepath.Join(home, ".bash_profile"), filepath.Join(home, ".profile"),
			"/etc/bash.bashrc", "/etc/bashrc",
		}, `eval "$(direnv hook bash)"`
	case "zsh":
		zdot := getenv("ZDOTDIR")
		if zdot == "" {
			zdot = home
		}
		return []string{
			filepath.Join(zdot, ".zshrc"), filepath.Join(zdot, ".zprofile"),
			"/etc/zshrc", "/etc/zsh/zshrc",
		}, `eval "$(direnv hook zsh)"`
	case "fish":
		config := getenv("XDG_CONFIG_HOME")
		if config == "" {
			config = filepath.Join(home, ".config")
		}
		return []string{
			filepath.Join(config, "fish", "config.fish"), "/etc/fish/config.fish",
		}, "direnv hook fish | source"
	}
	return nil, ""
}

// doctorHookMarker is what every direnv hook line contains, also when
// direnv is named by its store path (home-manager writes
// `eval "$(/nix/store/…-direnv/bin/direnv hook bash)"`).
const doctorHookMarker = "direnv hook"

// direnvHookCheck tells whether the user's shell runs direnv's hook: it is
// active in this shell when direnv has loaded an environment into it
// (DIRENV_DIR is set), else it is set up when a start-up file of $SHELL
// runs `direnv hook`. Paths under $HOME are shown with "~".
func direnvHookCheck(getenv func(string) string, readFile func(string) ([]byte, error)) Check {
	c := Check{Name: "direnv hook"}
	if dir := getenv("DIRENV_DIR"); dir != "" {
		c.Detail = "active in this shell (loaded " + strings.TrimPrefix(dir, "-") + ")"
		return c
	}
	shell := filepath.Base(getenv("SHELL"))
	rcs, hookLine := doctorShellRC(shell, getenv)
	if rcs == nil {
		c.State = CheckFail
		c.Detail = "cannot tell for shell " + doctorQuoteShell(shell)
		c.Fix = "hook direnv into your shell: https://direnv.net/docs/hook.html"
		return c
	}
	for _, rc := range rcs {
		data, err := readFile(rc)
		if err == nil && bytes.Contains(data, []byte(doctorHookMarker)) {
			c.Detail = "set up in " + doctorTilde(rc, getenv("HOME"))
			return c
		}
	}
	c.State = CheckFail
	c.Detail = "no direnv hook in the " + shell + " start-up files, so .envrc files are never loaded"
	c.Fix = "add '" + hookLine + "' to " + doctorTilde(rcs[0], getenv("HOME")) + ", then open a new shell"
	return c
}

func doctorQuoteShell(shell string) string {
	if shell == "" || shell == "." || shell == "/" {
		return "(SHELL is not set)"
	}
	return shell
}

// doctorTilde shows path with $HOME as "~".
func doctorTilde(path, home string) string {
	if home == "" || home == "/" {
		return path
	}
	if rel, ok := RelBelow(home, path); ok {
		return filepath.Join("~", rel)
	}
	return path
}

// DoctorOptions configure Project.Doctor.
type DoctorOptions struct {
	// Runner runs git; nil means ExecRunner.
	Runner Runner
	// Direnv reads the .envrc's approval; a missing direnv skips that check.
	Direnv Direnv
}

// Doctor checks the project: the flake and its devshell.toml, the .envrc
// (present, approved by direnv, watching every file the shell is built from,
// each of which exists), and git tracking of those files. A TOML outside the
// project (a --file elsewhere) gets one warning in place of the watches and
// git checks, which do not apply to a file its flake cannot read.
func (p *Project) Doctor(ctx context.Context, o DoctorOptions) []Check {
	var checks []Check
	checks = append(checks, p.doctorFlake())
	toml, tomlOK := p.doctorTOML()
	checks = append(checks, toml)
	envrcCheck, envrcData, envrcOK := p.doctorEnvrc(ctx, o.Direnv)
	checks = append(checks, envrcCheck)
	if p.TOMLOutside() {
		checks = append(checks, p.doctorOutside())
		return checks
	}
	if tomlOK {
		// Both checks below are about the same files: list them once.
		watched, watchErr := watchFiles(p.TOMLPath, p.Root)
		checks = append(checks, p.doctorWatches(watched, watchErr, envrcData, envrcOK))
		checks = append(checks, p.doctorGit(ctx, o.Runner, p.flakeInputs(watched, watchErr)))
	}
	return checks
}

// doctorFlake checks that the project is a flake that imports devshell.toml.
func (p *Project) doctorFlake() Check {
	c := Check{Name: "flake", Detail: filepath.Join(p.Root, ScaffoldFlakeName)}
	if !p.IsFlake {
		c.State = CheckFail
		c.Detail = "no flake.nix in " + p.Root + " or above (up to the git root)"
		c.Fix = "devsh init"
		return c
	}
	data, _, err := atomicfile.ReadFile(filepath.Join(p.Root, ScaffoldFlakeName))
	if err != nil {
		c.State, c.Detail, c.Fix = CheckFail, fmt.Sprintf("cannot read flake.nix: %v", err), "check its permissions"
		return c
	}
	name := filepath.Base(p.TOMLPath)
	// A TOML outside the project cannot be imported: doctorOutside says so.
	if !p.TOMLOutside() && !bytes.Contains(data, []byte(name)) {
		c.State = CheckWarn
		c.Detail = "flake.nix does not mention " + name
		c.Fix = scaffoldFlakeImportHint(name)
	}
	return c
}

// doctorOutside is the warning for a TOML outside the project: the flake
// cannot read it, so no .envrc watch, git tracking or import applies.
func (p *Project) doctorOutside() Check {
	return Check{Name: "--file", State: CheckWarn,
		Detail: p.TOMLPath + " is outside the project " + p.Root + ": its flake cannot read it, so .envrc watches and git tracking do not apply to it"}
}

// doctorTOML checks that the devshell TOML exists and parses; ok is false
// when the checks that read it cannot run.
func (p *Project) doctorTOML() (Check, bool) {
	c := Check{Name: filepath.Base(p.TOMLPath)}
	m, err := p.ReadManifest()
	switch {
	case errors.Is(err, ErrNoManifest):
		c.State, c.Detail, c.Fix = CheckFail, "missing ("+p.TOMLPath+")", "devsh init"
		return c, false
	case err != nil:
		c.State, c.Detail, c.Fix = CheckFail, err.Error(), "correct the TOML at that position"
		return c, false
	}
	c.Detail = doctorCount(len(m.Packages()), "package")
	if cmds := m.CommandPackages(); len(cmds) > 0 {
		c.Detail += fmt.Sprintf(", %d more from [[commands]]", len(cmds))
	}
	if from := m.PackagesFrom(); len(from) > 0 {
		c.Detail += ", the build inputs of " + strings.Join(from, ", ") + " (packagesFrom)"
	}
	return c, true
}

// doctorCount is "1 package", "2 packages".
func doctorCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// doctorEnvrc checks that the project has an .envrc direnv has approved. It
// returns the .envrc's content, and ok when there is one.
func (p *Project) doctorEnvrc(ctx context.Context, d Direnv) (Check, []byte, bool) {
	c := Check{Name: ".envrc"}
	data, exists, err := atomicfile.ReadFile(p.EnvrcPath)
	if err == nil && !exists {
		c.State, c.Detail, c.Fix = CheckFail, "missing ("+p.EnvrcPath+")", "devsh sync (writes watch_file devshell.toml and use flake)"
		if !p.IsFlake {
			// devsh sync leaves .envrc alone without a flake to use.
			c.Fix = "devsh init (writes flake.nix and .envrc)"
		}
		return c, nil, false
	}
	if err != nil {
		c.State, c.Detail, c.Fix = CheckFail, fmt.Sprintf("cannot read: %v", err), "check its permissions"
		return c, nil, false
	}
	found, approval, err := d.Status(ctx, p.Root)
	switch {
	case errors.Is(err, exec.ErrNotFound):
		c.State, c.Detail = CheckWarn, "approval not checked: direnv not found"
		return c, data, true
	case err != nil:
		c.State, c.Detail, c.Fix = CheckFail, "direnv status failed: "+err.Error(), "run direnv status in the project"
		return c, data, true
	case !direnvSameFile(found, p.EnvrcPath):
		c.State = CheckFail
		c.Detail = "direnv loads " + found + " here, not " + p.EnvrcPath
		c.Fix = "move the .envrc to the project root"
		if found == "" {
			c.Detail = "direnv finds no RC file in " + p.Root
			c.Fix = "check direnv's configuration (whitelist, load_dotenv)"
		}
		return c, data, true
	}
	quoted := envrc.Quote(p.EnvrcPath)
	switch approval {
	case Allowed:
		c.Detail = "allowed by direnv"
	case Denied:
		c.State, c.Detail, c.Fix = CheckFail, "denied by direnv", "review it, then run: direnv allow "+quoted
	default:
		c.State, c.Detail, c.Fix = CheckFail, "not allowed by direnv (new or changed since approved)", "review it, then run: direnv allow "+quoted
	}
	return c, data, true
}

// doctorWatches checks that every file the shell is built from (files and
// err from watchFiles relative to the project root, where the .envrc is)
// exists and that the .envrc watches each before `use flake`.
func (p *Project) doctorWatches(files []string, err error, envrcData []byte, haveEnvrc bool) Check {
	c := Check{Name: "watches"}
	if err != nil {
		c.State, c.Detail, c.Fix = CheckFail, err.Error(), "correct the imports of "+filepath.Base(p.TOMLPath)
		return c
	}
	var absent []string
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(p.Root, filepath.FromSlash(f))); err != nil {
			absent = append(absent, f)
		}
	}
	if len(absent) > 0 {
		c.State = CheckFail
		c.Detail = "imported but missing: " + strings.Join(absent, " ")
		c.Fix = "create them or remove them from imports"
		return c
	}
	if !haveEnvrc {
		c.State, c.Detail, c.Fix = CheckFail, "no .envrc to watch "+strings.Join(files, " "), "devsh sync"
		if !p.IsFlake {
			c.Fix = "devsh init" // sync writes no .envrc without a flake
		}
		return c
	}
	_, missing, err := envrc.Sync(envrcData, files)
	if err != nil {
		c.State, c.Detail, c.Fix = CheckFail, err.Error(), "add watch_file "+strings.Join(files, " ")+" before 'use flake' by hand"
		return c
	}
	if len(missing) > 0 {
		c.State = CheckFail
		c.Detail = "the .envrc does not watch " + strings.Join(missing, " ") + " before 'use flake', so direnv misses its changes"
		c.Fix = "devsh sync"
		return c
	}
	c.Detail = "the .envrc watches " + strings.Join(files, " ")
	return c
}

// doctorGit checks that git tracks the files the flake is built from
// (inputs, see flakeInputs).
func (p *Project) doctorGit(ctx context.Context, r Runner, inputs []string) Check {
	c := Check{Name: "git"}
	if !p.IsFlake {
		c.State, c.Detail = CheckWarn, "not checked: no flake"
		return c
	}
	root, err := gitWorkTree(ctx, r, p.Root)
	if errors.Is(err, exec.ErrNotFound) {
		c.State, c.Detail, c.Fix = CheckWarn, "not checked: git not found", "install git"
		return c
	}
	if err != nil {
		c.State, c.Detail = CheckFail, err.Error()
		return c
	}
	if root == "" {
		c.Detail = "not a git repository, so the flake sees every file"
		return c
	}
	untracked, err := gitUntracked(ctx, r, inputs)
	if err != nil {
		c.State, c.Detail = CheckFail, err.Error()
		return c
	}
	if len(untracked) > 0 {
		var names []string
		for _, f := range untracked {
			names = append(names, p.doctorRel(f))
		}
		c.State = CheckFail
		c.Detail = "not tracked, so the flake cannot see " + strings.Join(names, " ")
		c.Fix = GitAddCommand(untracked)
		return c
	}
	c.Detail = "flake.nix, " + filepath.Base(p.TOMLPath) + " and its imports are tracked"
	return c
}

// doctorRel shows path relative to the project root when it is below it.
func (p *Project) doctorRel(path string) string {
	if rel, ok := RelBelow(p.Root, path); ok {
		return filepath.ToSlash(rel)
	}
	return path
}

// UntrackedFiles returns the files the flake is built from — flake.nix, the
// devshell TOML and the local files it imports, those that exist — that git
// does not track, as absolute paths. A flake in a git work tree sees only
// tracked files (intent-to-add is enough). It returns nil when the project is
// no flake or not in a git work tree, or git is not installed.
func (p *Project) UntrackedFiles(ctx context.Context, r Runner) ([]string, error) {
	if !p.IsFlake {
		return nil, nil
	}
	root, err := gitWorkTree(ctx, r, p.Root)
	if errors.Is(err, exec.ErrNotFound) || (err == nil && root == "") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return gitUntracked(ctx, r, p.flakeInputs(watchFiles(p.TOMLPath, p.Root)))
}

// flakeInputs returns the absolute paths of flake.nix and of the files
// watchFiles(p.TOMLPath, p.Root) listed; when it failed (unreadable imports),
// flake.nix and the devshell TOML itself.
func (p *Project) flakeInputs(watched []string, watchErr error) []string {
	files := []string{filepath.Join(p.Root, ScaffoldFlakeName)}
	if watchErr != nil {
		return append(files, p.TOMLPath)
	}
	for _, f := range watched {
		files = append(files, filepath.Join(p.Root, filepath.FromSlash(f)))
	}
	return files
}

// gitUntracked returns those of files that exist and that git does not track.
func gitUntracked(ctx context.Context, r Runner, files []string) ([]string, error) {
	var untracked []string
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			continue // missing files are reported by the watches check
		}
		tracked, err := gitTracked(ctx, r, f)
		if err != nil {
			return nil, err
		}
		if !tracked {
			untracked = append(untracked, f)
		}
	}
	return untracked, nil
}

// GitAddCommand is the command that makes git track paths for the flake:
// `git add --intent-to-add` with each path relative to the working directory
// when below it, shell-quoted.
func GitAddCommand(paths []string) string {
	var b strings.Builder
	b.WriteString("git add --intent-to-add")
	for _, p := range paths {
		b.WriteByte(' ')
		rel := relOrAbs(p)
		if strings.HasPrefix(rel, "-") {
			rel = "./" + rel
		}
		b.WriteString(envrc.Quote(rel))
	}
	return b.String()
}
