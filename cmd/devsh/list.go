package main

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/devsh/devsh/devshell"
	"github.com/devsh/devsh/internal/termtext"
	"github.com/spf13/cobra"
)

// ListOptions are the options of `devsh list`.
type ListOptions struct {
	G    *GlobalOptions
	JSON bool
}

// listItem is one element of `devsh list --json`.
type listItem struct {
	Attr string `json:"attr"`
	// Table is "devshell" for [devshell] packages, "" for top-level
	// packages, "commands" for a [[commands]] entry's package.
	Table string `json:"table"`
	// Key is "packagesFrom" for a [devshell] packagesFrom entry (the shell
	// gets its build inputs), absent otherwise.
	Key string `json:"key,omitempty"`
}

// Table and key values of listItem beyond the packages lists'.
const (
	listTableCommands = "commands"
	listKeyFrom       = "packagesFrom"
)

func newListCmd(g *GlobalOptions) *cobra.Command {
	o := &ListOptions{G: g}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the packages in devshell.toml",
		Long: `List the packages in devshell.toml in file order: [devshell] packages and top-level
packages, then the packages [[commands]] entries provide (marked [[commands]]) and the
packages whose build inputs [devshell] packagesFrom brings in (marked packagesFrom).
devsh add and remove edit only the packages lists.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, `print a JSON array of {"attr","table"} ("table":"commands" for [[commands]], "key":"packagesFrom" for packagesFrom)`)
	return cmd
}

// listItems is what devsh list shows, in its order.
func listItems(m *devshell.Manifest) []listItem {
	var items []listItem
	for _, p := range m.Packages() {
		items = append(items, listItem{Attr: p.Attr, Table: p.Table})
	}
	for _, c := range m.CommandPackages() {
		items = append(items, listItem{Attr: c, Table: listTableCommands})
	}
	for _, f := range m.PackagesFrom() {
		items = append(items, listItem{Attr: f, Table: "devshell", Key: listKeyFrom})
	}
	return items
}

func runList(o *ListOptions) error {
	proj, err := o.G.project()
	if err != nil {
		return err
	}
	m, err := proj.ReadManifest()
	if err != nil {
		return err
	}
	items := listItems(m)
	if o.JSON {
		if items == nil {
			items = []listItem{}
		}
		enc := json.NewEncoder(o.G.IO.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(items)
	}
	// Names come from the user's files: shown sanitised (the JSON output
	// escapes control characters itself).
	for i := range items {
		items[i].Attr = termtext.Line(items[i].Attr)
	}
	width := 0
	for _, it := range items {
		if it.Table == listTableCommands || it.Key != "" {
			width = max(width, utf8.RuneCountInString(it.Attr))
		}
	}
	for _, it := range items {
		switch {
		case it.Table == listTableCommands:
			fmt.Fprintf(o.G.IO.Out, "%-*s  [[commands]]\n", width, it.Attr)
		case it.Key == listKeyFrom:
			fmt.Fprintf(o.G.IO.Out, "%-*s  packagesFrom (its build inputs)\n", width, it.Attr)
		default:
			fmt.Fprintln(o.G.IO.Out, it.Attr)
		}
	}
	return nil
}
