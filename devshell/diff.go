package devshell

import (
	"bytes"
	"fmt"
	"strings"
)

// diffContext is the number of unchanged lines shown around a change, the
// same as diff -u.
const diffContext = 3

// UnifiedDiff returns a unified diff (as `diff -u` prints it) from a to b,
// labelled with name, or "" when they are equal. It is meant for small
// hand-written files such as devshell.toml and .envrc.
func UnifiedDiff(name string, a, b []byte) string {
	if bytes.Equal(a, b) {
		return ""
	}
	x, y := diffSplitLines(a), diffSplitLines(b)
	ops := diffLines(x, y)

	var sb strings.Builder
	fmt.Fprintf(&sb, "--- a/%s\n+++ b/%s\n", name, name)
	// Group the edit script into hunks with diffContext lines around changes.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := i
		for start > 0 && ops[start-1].kind == ' ' && i-start < diffContext {
			start--
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(end+diffContext, run)
				break
			}
			end = run
		}
		diffWriteHunk(&sb, ops[start:end])
		i = end
	}
	return sb.String()
}

type diffOp struct {
	kind       byte // ' ', '-', '+'
	line       string
	aLine, bLn int // 1-based line numbers in a and b before this op
}

func diffWriteHunk(sb *strings.Builder, ops []diffOp) {
	aStart, bStart := ops[0].aLine, ops[0].bLn
	var aCount, bCount int
	for _, op := range ops {
		if op.kind != '+' {
			aCount++
		}
		if op.kind != '-' {
			bCount++
		}
	}
	if aCount == 0 {
		aStart--
	}
	if bCount == 0 {
		bStart--
	}
	fmt.Fprintf(sb, "@@ -%d,%d +%d,%d @@\n", aStart, aCount, bStart, bCount)
	for _, op := range ops {
		line := op.line
		noEOL := !strings.HasSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\n")
		sb.WriteByte(op.kind)
		sb.WriteString(line)
		sb.WriteByte('\n')
		if noEOL {
			sb.WriteString("\\ No newline at end of file\n")
		}
	}
}

// diffSplitLines splits after each '\n', keeping the terminators so that a
// missing final newline is visible.
func diffSplitLines(b []byte) []string {
	var lines []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			lines = append(lines, string(b))
			break
		}
		lines = append(lines, string(b[:i+1]))
		b = b[i+1:]
	}
	return lines
}

// diffLines computes a shortest edit script with a longest-common-subsequence
// table after trimming the common prefix and suffix, which leaves a tiny
// table for the one-line edits devsh makes.
func diffLines(x, y []string) []diffOp {
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	n, m := len(mx), len(my)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if mx[i] == my[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	ops := make([]diffOp, 0, len(x)+len(y))
	ai, bi := 1, 1
	emit := func(kind byte, line string) {
		ops = append(ops, diffOp{kind: kind, line: line, aLine: ai, bLn: bi})
		if kind != '+' {
			ai++
		}
		if kind != '-' {
			bi++
		}
	}
	for _, l := range x[:pre] {
		emit(' ', l)
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && mx[i] == my[j]:
			emit(' ', mx[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			emit('-', mx[i])
			i++
		default:
			emit('+', my[j])
			j++
		}
	}
	for _, l := range x[len(x)-suf:] {
		emit(' ', l)
	}
	return ops
}
