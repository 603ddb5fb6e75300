package devshell

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devsh/devsh/internal/run/runtest"
)

// opsTestProject lays out a flake project: flake.nix, devshell.toml importing
// nix/extra.nix, and .envrc with envrc content ("" for none).
func opsTestProject(t *testing.T, envrc string, flake bool) *Project {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proj")
	files := map[string]string{
		"devshell.toml": "# my shell\nimports = [\"nix/extra.nix\"]\n[devshell]\nname = \"p\"\npackages = [\n  \"jq\", # json\n  \"ripgrep\",\n]\n",
		"nix/extra.nix": "{ }\n",
	}
	if flake {
		files["flake.nix"] = "{ outputs = _: { }; }\n"
	}
	if envrc != "" {
		files[".envrc"] = envrc
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Find(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func opsRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpsEditAddRemove(t *testing.T) {
	p := opsTestProject(t, "", true)
	orig := opsRead(t, p.TOMLPath)

	res, err := p.Edit(context.Background(), EditOptions{Kind: EditAdd, Names: []string{"cargo-edit", "jq"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 2 || res.Results[0].Status != Added || res.Results[1].Status != AlreadyPresent {
		t.Fatalf("results = %+v", res.Results)
	}
	got := opsRead(t, p.TOMLPath)
	want := strings.Replace(orig, "  \"ripgrep\",\n", "  \"ripgrep\",\n  \"cargo-edit\",\n", 1)
	if got != want || string(res.After) != want || string(res.Before) != orig {
		t.Fatalf("after add:\n%s\nwant:\n%s", got, want)
	}

	if _, err := p.Edit(context.Background(), EditOptions{Kind: EditRemove, Names: []string{"cargo-edit"}}); err != nil {
		t.Fatal(err)
	}
	if got := opsRead(t, p.TOMLPath); got != orig {
		t.Fatalf("add then remove changed the file:\n%s", got)
	}
}

// TestOpsEditRemoveAsWritten: with Aliases, a removal of a name the file
// lacks removes the name of its package the file has, says which, and
// removes it once when both names are given; a name the file has under no
// name is refused as before.
func TestOpsEditRemoveAsWritten(t *testing.T) {
	p := opsTestProject(t, "", true)
	aliases := func(n string) []string {
		if n == "rg" {
			return []string{"rg", "ripgrep"}
		}
		return []string{n}
	}
	res, err := p.Edit(context.Background(), EditOptions{Kind: EditRemove, Names: []string{"rg", "ripgrep"}, Aliases: aliases})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || res.Results[0] != (Result{Name: "ripgrep", Status: Removed}) || res.AsWritten["rg"] != "ripgrep" || len(res.AsWritten) != 1 {
		t.Fatalf("results %+v, as written %v", res.Results, res.AsWritten)
	}
	if strings.Contains(opsRead(t, p.TOMLPath), "ripgrep") {
		t.Fatalf("ripgrep still in the file:\n%s", opsRead(t, p.TOMLPath))
	}
	var refused *RefusedError
	if _, err := p.Edit(context.Background(), EditOptions{Kind: EditRemove, Names: []string{"rg"}, Aliases: aliases}); !errors.As(err, &refused) {
		t.Fatalf("remove rg again: %v, want refused", err)
	}
}

func TestOpsEditDryRunWritesNothing(t *testing.T) {
	p := opsTestProject(t, "", true)
	orig := opsRead(t, p.TOMLPath)
	res, err := p.Edit(context.Background(), EditOptions{Kind: EditAdd, Names: []string{"hello"}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed() || !strings.Contains(string(res.After), `"hello"`) {
		t.Fatalf("dry run result has no change: %q", res.After)
	}
	if got := opsRead(t, p.TOMLPath); got != orig {
		t.Fatalf("dry run wrote the file")
	}
	d := UnifiedDiff("devshell.toml", res.Before, res.After)
	if !strings.Contains(d, "+  \"hello\",\n") {
		t.Fatalf("diff lacks the new line:\n%s", d)
	}
}

func TestOpsEditRefusals(t *testing.T) {
	p := opsTestProject(t, "", true)
	orig := opsRead(t, p.TOMLPath)
	for _, c := range []struct {
		kind  EditKind
		names []string
	}{
		{EditRemove, []string{"jq", "not-there"}},
		{EditAdd, []string{"bad name"}},
		{EditAdd, []string{`x"y`}},
		{EditAdd, []string{"${x}"}},
	} {
		if _, err := p.Edit(context.Background(), EditOptions{Kind: c.kind, Names: c.names}); err == nil {
			t.Errorf("%v %v: no error", c.kind, c.names)
		}
		if got := opsRead(t, p.TOMLPath); got != orig {
			t.Fatalf("%v %v: file changed on a refused edit", c.kind, c.names)
		}
	}
	var refused *RefusedError
	if _, err := p.Edit(context.Background(), EditOptions{Kind: EditRemove, Names: []string{"not-there"}}); !errors.As(err, &refused) {
		t.Fatalf("want RefusedError, got %v", err)
	}

	os.Remove(p.TOMLPath)
	if _, err := p.Edit(context.Background(), EditOptions{Kind: EditAdd, Names: []string{"jq"}}); !errors.Is(err, ErrNoManifest) {
		t.Fatalf("want ErrNoManifest, got %v", err)
	}
	if _, err := os.Stat(p.TOMLPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a devshell.toml was created: %v", err)
	}
}

func TestOpsEditInvalidTOMLUntouched(t *testing.T) {
	p := opsTestProject(t, "", true)
	bad := "[devshell]\npackages = [\"jq\"\n"
	if err := os.WriteFile(p.TOMLPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := p.Edit(context.Background(), EditOptions{Kind: EditAdd, Names: []string{"hello"}})
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), p.TOMLPath+":") {
		t.Fatalf("want path:line:col ParseError, got %v", err)
	}
	if got := opsRead(t, p.TOMLPath); got != bad {
		t.Fatalf("invalid file was changed")
	}
}

func TestOpsSyncWithRealDirenv(t *testing.T) {
	direnvTestForEachBin(t, func(t *testing.T, b direnvTestBin) {
		ctx := context.Background()
		d := Direnv{Bin: b.path}

		t.Run("allowed stays allowed", func(t *testing.T) {
			direnvTestEnv(t)
			p := opsTestProject(t, "watch_file devshell.toml\nuse flake\n", true)
			direnvTestRun(t, b, p.Root, "allow", p.EnvrcPath)
			rec := &runtest.Recorder{}
			recorded := Direnv{Runner: rec, Bin: b.path}
			rep, err := p.Sync(ctx, SyncOptions{Direnv: recorded, TOMLChanged: true})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := opsRead(t, p.EnvrcPath), "watch_file devshell.toml\nwatch_file nix/extra.nix\nuse flake\n"; got != want {
				t.Fatalf(".envrc = %q, want %q", got, want)
			}
			if !rep.Reallowed || rep.Reloaded || len(rep.Added) != 1 {
				t.Fatalf("report = %+v", rep)
			}
			// direnv is asked its version and status once.
			if got, want := direnvTestSubcommands(rec), []string{"version", "status", "allow"}; !slices.Equal(got, want) {
				t.Errorf("direnv runs = %q, want %q", got, want)
			}
			direnvTestStatus(t, d, b, p.Root, p.EnvrcPath, Allowed)

			// Second run: nothing to add, the TOML changed, so reload.
			rep, err = p.Sync(ctx, SyncOptions{Direnv: recorded, TOMLChanged: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Added) != 0 || rep.Reallowed || !rep.Reloaded {
				t.Fatalf("second report = %+v", rep)
			}
			if got, want := direnvTestSubcommands(rec), []string{"version", "status", "reload"}; !slices.Equal(got, want) {
				t.Errorf("direnv runs = %q, want %q", got, want)
			}
			direnvTestStatus(t, d, b, p.Root, p.EnvrcPath, Allowed)
		})

		t.Run("unapproved stays unapproved", func(t *testing.T) {
			direnvTestEnv(t)
			p := opsTestProject(t, "use flake\n", true)
			rep, err := p.Sync(ctx, SyncOptions{Direnv: d})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Reallowed || len(rep.Notes) == 0 {
				t.Fatalf("report = %+v", rep)
			}
			if got, want := opsRead(t, p.EnvrcPath), "watch_file devshell.toml nix/extra.nix\nuse flake\n"; got != want {
				t.Fatalf(".envrc = %q, want %q", got, want)
			}
			direnvTestStatus(t, d, b, p.Root, p.EnvrcPath, NotAllowed)

			// Nothing left to add and the TOML changed: no reload of a
			// file direnv will not load anyway.
			rep, err = p.Sync(ctx, SyncOptions{Direnv: d, TOMLChanged: true})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Reloaded || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "not allowed") {
				t.Fatalf("report = %+v", rep)
			}
			direnvTestStatus(t, d, b, p.Root, p.EnvrcPath, NotAllowed)
		})

		t.Run("denied stays denied", func(t *testing.T) {
			direnvTestEnv(t)
			p := opsTestProject(t, "use flake\n", true)
			direnvTestRun(t, b, p.Root, "allow", p.EnvrcPath)
			direnvTestRun(t, b, p.Root, "deny", p.EnvrcPath)
			rep, err := p.Sync(ctx, SyncOptions{Direnv: d})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Reallowed {
				t.Fatalf("a denied .envrc was re-allowed: %+v", rep)
			}
			want := Denied
			if b.wantForm() == direnvFormText {
				want = NotAllowed // direnv 2.32 has no separate denied state
			}
			direnvTestStatus(t, d, b, p.Root, p.EnvrcPath, want)
		})

		t.Run("created when missing in a flake", func(t *testing.T) {
			direnvTestEnv(t)
			p := opsTestProject(t, "", true)
			rep, err := p.Sync(ctx, SyncOptions{Direnv: d})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Created {
				t.Fatalf("report = %+v", rep)
			}
			if got, want := opsRead(t, p.EnvrcPath), "watch_file devshell.toml nix/extra.nix\nuse flake\n"; got != want {
				t.Fatalf(".envrc = %q, want %q", got, want)
			}
			direnvTestStatus(t, d, b, p.Root, p.EnvrcPath, NotAllowed)
		})
	})
}

func TestOpsSyncNoFlakeNoEnvrc(t *testing.T) {
	direnvTestEnv(t)
	p := opsTestProject(t, "", false)
	rep, err := p.Sync(context.Background(), SyncOptions{Direnv: Direnv{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.EnvrcPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf(".envrc created without a flake")
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "no flake.nix") {
		t.Fatalf("notes = %q", rep.Notes)
	}
}

func TestOpsSyncWithoutDirenv(t *testing.T) {
	direnvTestEnv(t)
	p := opsTestProject(t, "use flake\n", true)
	rep, err := p.Sync(context.Background(), SyncOptions{Direnv: Direnv{Bin: "devsh-test-no-such-direnv"}, TOMLChanged: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := opsRead(t, p.EnvrcPath), "watch_file devshell.toml nix/extra.nix\nuse flake\n"; got != want {
		t.Fatalf(".envrc = %q, want %q", got, want)
	}
	if rep.Reloaded || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "direnv not found") {
		t.Fatalf("report = %+v", rep)
	}
}

func TestRelBelow(t *testing.T) {
	tests := []struct {
		base, path, want string
		ok               bool
	}{
		{"/p", "/p/devshell.toml", "devshell.toml", true},
		{"/p", "/p/nix/a.nix", filepath.Join("nix", "a.nix"), true},
		{"/p", "/p", ".", true},
		{"/p", "/p/..hidden", "..hidden", true},
		{"/p", "/q/devshell.toml", "", false},
		{"/p/sub", "/p", "", false},
		{"/p", "rel", "", false},
	}
	for _, tt := range tests {
		if got, ok := RelBelow(tt.base, tt.path); got != tt.want || ok != tt.ok {
			t.Errorf("RelBelow(%q, %q) = %q, %v; want %q, %v", tt.base, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// TestProjectInstalled: the lists' packages in file order, then those only
// [[commands]] bring in, each name once.
func TestProjectInstalled(t *testing.T) {
	dir := t.TempDir()
	toml := "packages = [\"jq\"]\n[devshell]\npackages = [\"rustc\", \"cargo\", \"jq\"]\n" +
		"[[commands]]\npackage = \"cargo\"\n[[commands]]\npackage = \"cargo-watch\"\n[[commands]]\npackage = \"cargo-watch\"\n"
	if err := os.WriteFile(filepath.Join(dir, "devshell.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Find(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Installed()
	want := []Installed{{Attr: "jq"}, {Attr: "rustc"}, {Attr: "cargo"}, {Attr: "cargo-watch", FromCommand: true}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Installed() = %+v, %v; want %+v", got, err, want)
	}
}
