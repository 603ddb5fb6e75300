# demo-setup.sh: sourced by demo.tape (and screenshot.sh) from the
# repository's top level. Builds devsh, sets up a project pinning the fake
# nixpkgs of nixsearch/testdata/fixture in a new temporary directory, with
# its own HOME, XDG directories and an empty flake registry (nix never goes
# online, the user's direnv approvals are untouched), and cds into it.
# Needs go, git, nix and direnv.

DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/devsh-demo.XXXXXX")
export DEMO_DIR
mkdir -p "$DEMO_DIR/bin" "$DEMO_DIR/cache" "$DEMO_DIR/data" "$DEMO_DIR/config" \
	"$DEMO_DIR/home/flynix/fakepkgs"
go build -o "$DEMO_DIR/bin/devsh" ./cmd/devsh
demo_proj="$DEMO_DIR/home/flynix"
cp tui/testdata/e2e/project/flake.nix tui/testdata/e2e/project/.envrc "$demo_proj/"
cp tui/testdata/e2e/demo/devshell.toml "$demo_proj/"
cp nixsearch/testdata/fixture/nixpkgs/flake.nix "$demo_proj/fakepkgs/"
printf '{"flakes":[],"version":2}\n' >"$DEMO_DIR/registry.json"

export HOME="$DEMO_DIR/home"
export XDG_CACHE_HOME="$DEMO_DIR/cache" XDG_DATA_HOME="$DEMO_DIR/data" XDG_CONFIG_HOME="$DEMO_DIR/config"
export NIX_CONFIG="flake-registry = $DEMO_DIR/registry.json"
export PATH="$DEMO_DIR/bin:$PATH"
unset DEVSH_CACHE_DIR DEVSH_NIXPKGS NO_COLOR

cd "$demo_proj" || return 1
git init -q && git add -A
nix --extra-experimental-features 'nix-command flakes' flake lock 2>/dev/null && git add flake.lock
direnv allow .
unset demo_proj
PS1='> '
