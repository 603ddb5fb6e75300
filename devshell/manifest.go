package devshell

import "github.com/devsh/devsh/devshell/tomledit"

// The package list types of devshell.toml are the editor's (package
// devshell/tomledit); Project's methods return them, so cmd and tui use
// them from here.
type (
	// Entry is one package string of devshell.toml.
	Entry = tomledit.Entry
	// Manifest is a parsed devshell.toml.
	Manifest = tomledit.Manifest
	// Result is what an edit did to one name.
	Result = tomledit.Result
	// Status is the outcome of an edit for one name.
	Status = tomledit.Status
	// ParseError is an invalid-TOML error ("path:line:col: message").
	ParseError = tomledit.ParseError
)

// The outcomes of an edit for one name.
const (
	Added             = tomledit.Added
	AlreadyPresent    = tomledit.AlreadyPresent
	ProvidedByCommand = tomledit.ProvidedByCommand
	Removed           = tomledit.Removed
	NotPresent        = tomledit.NotPresent
	OnlyInCommand     = tomledit.OnlyInCommand
)

// ValidName reports whether name is an attribute path devshell can use
// (tomledit.ValidName).
func ValidName(name string) error { return tomledit.ValidName(name) }
