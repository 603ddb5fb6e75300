#!/bin/sh
# direnv-latest.sh OUTDIR
#
# Builds direnv v2.37.1 (the newest release the tests cover; >= 2.33 speaks
# `direnv status --json`) from the Go module proxy into OUTDIR/direnv and
# prints the binary's path. `go install ...@v2.37.1` is refused because
# direnv's go.mod has replace directives, so the build happens in a
# throwaway module. Idempotent: nothing is built when OUTDIR/direnv already
# reports the wanted version.
set -eu

version=2.37.1

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi

mkdir -p "$1"
out=$(cd "$1" && pwd)
bin="$out/direnv"

if [ -x "$bin" ] && [ "$("$bin" version 2>/dev/null || true)" = "$version" ]; then
	echo "$bin"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

(
	cd "$tmp"
	go mod init tmp >/dev/null 2>&1
	go get "github.com/direnv/direnv/v2@v$version" >&2
	go build -o "$bin.tmp" github.com/direnv/direnv/v2 >&2
)
mv "$bin.tmp" "$bin"

got=$("$bin" version)
if [ "$got" != "$version" ]; then
	echo "direnv-latest.sh: built direnv reports version $got, want $version" >&2
	exit 1
fi
echo "$bin"
