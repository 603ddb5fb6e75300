// Package textfile holds the line mechanics that devshell's text editors
// (the devshell.toml editor, the .envrc sync, the scaffold's .gitignore
// edit) share: which line ending a file uses, where a line starts, and the
// byte order mark before the text. Each editor splices bytes; these helpers
// make the splices follow the file.
package textfile

import "bytes"

// EOL returns the file's line ending: CRLF when its first line ends so, else
// LF (also for a file without any newline).
func EOL(d []byte) string {
	if i := bytes.IndexByte(d, '\n'); i > 0 && d[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// LineStart returns the offset of the start of the line holding pos.
func LineStart(d []byte, pos int) int {
	return bytes.LastIndexByte(d[:pos], '\n') + 1
}

// BOM is the UTF-8 byte order mark some editors write at the start of a
// file. nix's builtins.fromTOML (devshell's importTOML) skips it, so devsh
// does too: it is not part of the TOML, and an edit keeps it.
const BOM = "\xef\xbb\xbf"

// TrimBOM returns data without a leading UTF-8 byte order mark.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, []byte(BOM)) }
