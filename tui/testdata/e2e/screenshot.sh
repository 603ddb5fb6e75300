#!/usr/bin/env bash
# screenshot.sh [OUT.png]: renders the README's screenshot (default
# screenshot.png) from the real TUI. Run from the repository's top level.
#
# devsh runs in a detached tmux (100x30) on the demo project of
# demo-setup.sh; the colour screen (tmux capture-pane -e) goes through
# freeze (ANSI to SVG) and rsvg-convert (SVG to PNG). The font is DejaVu
# Sans Mono, a system font, because rsvg-convert ignores the web font freeze
# embeds. Needs tmux, freeze, rsvg-convert (Debian: librsvg2-bin), go, git,
# nix and direnv; .ci/tools.sh installs freeze.
set -euo pipefail

out=${1:-screenshot.png}
case $out in /*) ;; *) out="$(pwd)/$out" ;; esac
for tool in tmux freeze rsvg-convert go git nix direnv; do
	command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
sock="$work/tmux.sock"
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

printf 'set -g status off\nset -g remain-on-exit on\n' >"$work/tmux.conf"
cat >"$work/run.sh" <<RUN
cd $(printf %q "$(pwd)")
export TMPDIR=$(printf %q "$work")
. tui/testdata/e2e/demo-setup.sh >/dev/null
export TERM=xterm-256color
devsh
RUN
tmux -S "$sock" -f "$work/tmux.conf" new-session -d -s shot -x 100 -y 30 "bash --norc --noprofile $(printf %q "$work/run.sh")"

# wait_for TEXT: polls the screen until it shows TEXT (two minutes at most).
wait_for() {
	local i
	for ((i = 0; i < 1200; i++)); do
		if tmux -S "$sock" capture-pane -p -t shot | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	echo "screenshot.sh: the screen never showed: $1" >&2
	tmux -S "$sock" capture-pane -p -t shot >&2
	exit 1
}

wait_for "index built"
tmux -S "$sock" send-keys -t shot -l cargo
wait_for "cargo-edit-unwrapped"
tmux -S "$sock" send-keys -t shot Down
wait_for "homepage github.com/killercup/cargo-edit"
tmux -S "$sock" send-keys -t shot Enter
wait_for "+ cargo-edit added"
# Without the final newline, which freeze would draw as an empty line.
# freeze ignores "default background" (ESC[49m), which tmux writes after the
# selected row's bar: it becomes a reset followed by the colour set with it.
printf '%s' "$(tmux -S "$sock" capture-pane -e -p -t shot)" |
	sed -e 's/\x1b\[\([0-9;]*\)m\x1b\[49m/\x1b[0m\x1b[\1m/g' -e 's/\x1b\[49m/\x1b[0m/g' >"$work/screen.ansi"

freeze --language ansi --font.family "DejaVu Sans Mono" --line-height 1.0 \
	-o "$work/screen.svg" "$work/screen.ansi" >/dev/null
rsvg-convert --zoom 1.5 -o "$out" "$work/screen.svg"
echo "$out"
