package devshell

import (
	"testing"
)

func TestRunnerStderrTail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"one line", "fatal: nope\n", "fatal: nope"},
		{"last non-empty", "first\nsecond\n\n  \n", "second"},
		{"direnv colour", "\x1b[31mdirenv: error .envrc file not found\x1b[0m\n", "direnv: error .envrc file not found"},
		{"control chars", "a\x07b\r\n", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runnerStderrTail([]byte(tt.in)); got != tt.want {
				t.Errorf("runnerStderrTail(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
