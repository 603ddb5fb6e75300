package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/devsh/devsh/internal/termtext"
)

const ellipsis = "…"

// tuiSanitize makes untrusted text (nixpkgs names, versions, descriptions
// and metadata, the user's file names, error messages) safe to draw:
// termtext.Keep, the sanitiser devsh uses everywhere (escape sequences and
// control characters dropped, each line break or tab one space).
func tuiSanitize(s string) string { return termtext.Keep(s) }

// tuiIsASCII reports whether s is printable ASCII, whose width is its length.
func tuiIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// tuiWidth is the display width of a string without escape sequences.
func tuiWidth(s string) int {
	if tuiIsASCII(s) {
		return len(s)
	}
	return lipgloss.Width(s)
}

// tuiRuneWidth is the display width of one rune.
func tuiRuneWidth(r rune) int {
	if r >= 0x20 && r < 0x7f {
		return 1
	}
	return lipgloss.Width(string(r))
}

// tuiTruncate shortens a plain string to at most w cells, ending it with an
// ellipsis when something was cut.
func tuiTruncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if tuiWidth(s) <= w {
		return s
	}
	if tuiIsASCII(s) {
		return s[:w-1] + ellipsis
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := tuiRuneWidth(r)
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	b.WriteString(ellipsis)
	return b.String()
}

// tuiPad appends spaces to s (of display width sw) up to w cells.
func tuiPad(s string, sw, w int) string {
	if sw >= w {
		return s
	}
	return s + strings.Repeat(" ", w-sw)
}

// tuiFit truncates or pads a plain string to exactly w cells.
func tuiFit(s string, w int) string {
	s = tuiTruncate(s, w)
	return tuiPad(s, tuiWidth(s), w)
}

// tuiWrap breaks a plain string into at most maxLines lines of at most w
// cells, at spaces where possible; the last line ends with an ellipsis when
// text was left over.
func tuiWrap(s string, w, maxLines int) []string {
	if w <= 0 || maxLines <= 0 {
		return nil
	}
	words := strings.Fields(s)
	var lines []string
	var cur strings.Builder
	curW := 0
	for i, word := range words {
		ww := tuiWidth(word)
		switch {
		case curW == 0:
			cur.WriteString(word)
			curW = ww
		case curW+1+ww <= w:
			cur.WriteByte(' ')
			cur.WriteString(word)
			curW += 1 + ww
		default:
			lines = append(lines, tuiTruncate(cur.String(), w))
			cur.Reset()
			if len(lines) == maxLines {
				last := lines[maxLines-1]
				lines[maxLines-1] = tuiTruncate(last+" "+strings.Join(words[i:], " "), w)
				return lines
			}
			cur.WriteString(word)
			curW = ww
		}
	}
	if curW > 0 {
		lines = append(lines, tuiTruncate(cur.String(), w))
	}
	return lines
}

// tuiHardWrap breaks s into lines of at most w cells, wherever the width
// runs out (for text whose every character matters, such as a file:line at
// the end of a long store path); "" is one empty line.
func tuiHardWrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var lines []string
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := tuiRuneWidth(r)
		if used+rw > w && used > 0 {
			lines = append(lines, b.String())
			b.Reset()
			used = 0
		}
		b.WriteRune(r)
		used += rw
	}
	return append(lines, b.String())
}

// tuiThousands formats n with thousands separators: 129815 → "129,815".
func tuiThousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// tuiLines makes sure a block has exactly n lines of width w, padding with
// blank lines or cutting the surplus.
func tuiLines(lines []string, n, w int) []string {
	if len(lines) > n {
		return lines[:n]
	}
	blank := strings.Repeat(" ", w)
	for len(lines) < n {
		lines = append(lines, blank)
	}
	return lines
}

// tuiBox draws a rounded box of outer width w around body, whose lines are
// already exactly w-2 cells wide. The title sits in the top border; right,
// if any, is right-aligned in it.
func tuiBox(body []string, w int, title, right string, focused bool, st Styles) []string {
	border := st.Border
	if focused {
		border = st.BorderFocus
	}
	inner := max(0, w-2)
	// Top: "╭─ title ───── right ─╮".
	title = tuiTruncate(title, max(0, inner-3))
	titleW := 3 + tuiWidth(title)
	rightPart := ""
	if right != "" {
		if room := inner - titleW - 3; room > 0 {
			rightPart = " " + tuiTruncate(right, room) + " ─"
		}
	}
	fill := max(0, inner-titleW-tuiWidth(rightPart))
	out := make([]string, 0, len(body)+2)
	out = append(out, border.Render("╭─ ")+st.BoxTitle.Render(title)+
		border.Render(" "+strings.Repeat("─", fill)+rightPart+"╮"))
	side := border.Render("│")
	for _, l := range body {
		out = append(out, side+l+side)
	}
	out = append(out, border.Render("╰"+strings.Repeat("─", inner)+"╯"))
	return out
}
