#!/bin/sh
# tools.sh OUTDIR [TOOL...]
#
# Installs the tools for the demo and the README screenshot into OUTDIR (the
# TOOLs named, else both) and prints OUTDIR (add it to PATH):
#   vhs v0.10.0     `vhs validate demo.tape` parses the tape (.ci/run does);
#                   recording it (`vhs demo.tape`) also needs ttyd and ffmpeg.
#   freeze v0.2.2   tui/testdata/e2e/screenshot.sh renders the screen with it.
# Both come from the Go module proxy. The screenshot also needs rsvg-convert
# (Debian librsvg2-bin), installed with freeze, with apt when missing and run
# as root: freeze's built-in PNG converter crashes here, so freeze must find
# it. Idempotent: a tool already at its version is not rebuilt.
set -eu

vhs_version=v0.10.0
freeze_version=v0.2.2

if [ $# -lt 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUTDIR [vhs|freeze]..." >&2
	exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
[ $# -gt 0 ] || set -- vhs freeze

# install NAME MODULE VERSION: go install MODULE@VERSION into OUTDIR unless
# OUTDIR/NAME --version already names VERSION.
install() {
	if [ -x "$out/$1" ] && "$out/$1" --version 2>/dev/null | grep -qF " $3"; then
		return 0
	fi
	GOBIN="$out" go install "$2@$3" >&2
	if ! "$out/$1" --version | grep -qF " $3"; then
		echo "tools.sh: $out/$1 does not report version $3" >&2
		exit 1
	fi
}

# rsvg: what freeze needs beside it (see above).
rsvg() {
	command -v rsvg-convert >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -eq 0 ]; then
		echo "tools.sh: installing librsvg2-bin" >&2
		apt-get update >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librsvg2-bin >&2
	else
		echo "tools.sh: rsvg-convert is missing (Debian: apt-get install librsvg2-bin)" >&2
	fi
}

for tool; do
	case $tool in
	vhs) install vhs github.com/charmbracelet/vhs "$vhs_version" ;;
	freeze)
		install freeze github.com/charmbracelet/freeze "$freeze_version"
		rsvg
		;;
	*)
		echo "tools.sh: unknown tool $tool (want vhs or freeze)" >&2
		exit 2
		;;
	esac
done
echo "$out"
