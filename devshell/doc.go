// Package devshell owns a numtide/devshell project on disk: finding it
// (Find → Project), the format-preserving devshell.toml editor, reading the
// files the shell is built from, running direnv safely, git, init and doctor.
// Its files are written through internal/atomicfile.
//
// Flow of an edit: Project.Edit lets package devshell/tomledit parse
// devshell.toml and splice the change into the bytes, writes them atomically (re-reading first so
// another writer's edit is kept), then Project.Sync lists the files the
// shell is built from (watchFiles), lets package devshell/envrc splice the
// missing watch_file line into .envrc, and re-allows or reloads direnv only
// as far as the user had approved it.
//
// Sub-packages: devshell/tomledit (the pure, format-preserving devshell.toml
// editor), devshell/envrc (the pure .envrc sync: bash lexer, parser, watch
// coverage), devshell/internal/textfile (line endings and line starts
// shared by the editors).
package devshell
