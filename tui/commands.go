package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// loadCmd reads the project and its packages: the first load step.
func loadCmd(ctx context.Context, b Backend) tea.Cmd {
	return func() tea.Msg {
		msg := loadedMsg{project: b.Project()}
		msg.packages, msg.pkgErr = b.Packages(ctx)
		return msg
	}
}

// resolveCmd finds the nixpkgs: the second load step.
func resolveCmd(ctx context.Context, b Backend) tea.Cmd {
	return func() tea.Msg {
		src, err := b.Resolve(ctx)
		return resolvedMsg{source: src, err: err}
	}
}

// openIndexCmd opens the cached index and, when it is usable, searches the
// empty query: the last load step.
func openIndexCmd(ctx context.Context, b Backend) tea.Cmd {
	return func() tea.Msg {
		var msg indexOpenedMsg
		msg.index, msg.indexErr = b.OpenIndex(ctx)
		if msg.indexErr == nil && !msg.index.Missing {
			msg.results, msg.searchErr = b.Search(ctx, "", resultLimit)
			msg.searched = true
		}
		return msg
	}
}

// warningCmd asks for the project's remark.
func warningCmd(ctx context.Context, b Backend) tea.Cmd {
	return func() tea.Msg { return warningMsg{text: b.Warning(ctx)} }
}

// searchCmd runs the search numbered seq, over descriptions when desc.
func searchCmd(ctx context.Context, b Backend, query string, desc bool, seq int) tea.Cmd {
	return func() tea.Msg {
		search := b.Search
		if desc {
			search = b.SearchDescriptions
		}
		res, err := search(ctx, query, resultLimit)
		return searchResultMsg{seq: seq, res: res, err: err}
	}
}

// packagesCmd re-reads devshell.toml's packages after the write seq.
func packagesCmd(ctx context.Context, b Backend, seq int) tea.Cmd {
	return func() tea.Msg {
		pkgs, err := b.Packages(ctx)
		return packagesMsg{seq: seq, pkgs: pkgs, err: err}
	}
}

// twinsCmd asks for the other names of names' derivations (Backend.Twins).
func twinsCmd(ctx context.Context, b Backend, names []string, seq int) tea.Cmd {
	return func() tea.Msg {
		twins, err := b.Twins(ctx, names)
		return twinsMsg{seq: seq, twins: twins, err: err}
	}
}

// buildCmd builds the index, reporting progress into pipe; it closes the
// pipe when the build ends, which ends listenProgressCmd.
func buildCmd(ctx context.Context, b Backend, pipe *progressPipe, seq int, clock func() time.Time) tea.Cmd {
	return func() tea.Msg {
		info, err := b.BuildIndex(ctx, pipe.report)
		pipe.close()
		return buildDoneMsg{seq: seq, info: info, err: err, at: clock()}
	}
}

// listenProgressCmd waits for the next progress report of the build seq.
// The model re-arms it after each report; it returns nothing once the
// build has ended.
func listenProgressCmd(pipe *progressPipe, seq int, clock func() time.Time) tea.Cmd {
	return func() tea.Msg {
		p, ok := pipe.next()
		if !ok {
			return nil
		}
		return buildProgressMsg{seq: seq, evaluated: p.Evaluated, indexed: p.Indexed, expected: p.Expected, at: clock()}
	}
}

// metaCmd fetches the metadata of attr.
func metaCmd(ctx context.Context, b Backend, attr string) tea.Cmd {
	return func() tea.Msg {
		meta, err := b.Meta(ctx, attr)
		return metaMsg{attr: attr, meta: meta, err: err}
	}
}
