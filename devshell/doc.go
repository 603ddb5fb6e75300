// Package devshell owns a numtide/devshell project on disk: finding it, the
// format-preserving devshell.toml editor, the .envrc watch sync, running
// direnv safely; its files are written through internal/atomicfile.
package devshell
