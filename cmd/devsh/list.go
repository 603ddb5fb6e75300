package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

// ListOptions are the options of `devsh list`.
type ListOptions struct {
	G    *GlobalOptions
	JSON bool
}

// listItem is one element of `devsh list --json`.
type listItem struct {
	Attr  string `json:"attr"`
	Table string `json:"table"`
}

func newListCmd(g *GlobalOptions) *cobra.Command {
	o := &ListOptions{G: g}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the packages in devshell.toml",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, `print a JSON array of {"attr","table"}`)
	return cmd
}

func runList(o *ListOptions) error {
	proj, err := o.G.project()
	if err != nil {
		return err
	}
	pkgs, _, err := proj.Packages()
	if err != nil {
		return err
	}
	if o.JSON {
		items := make([]listItem, 0, len(pkgs))
		for _, p := range pkgs {
			items = append(items, listItem{Attr: p.Attr, Table: p.Table})
		}
		enc := json.NewEncoder(o.G.IO.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(items)
	}
	for _, p := range pkgs {
		fmt.Fprintln(o.G.IO.Out, p.Attr)
	}
	return nil
}
