package tui

import (
	"context"
	"slices"

	tea "github.com/charmbracelet/bubbletea"
)

// writeQueue holds the writes (toggles, removals, undos, syncs) in the
// order the user asked for them. They run one at a time: the decision
// add-or-remove is taken when a write starts, from the state every
// earlier write left, and the Backend's writes are never concurrent.
type writeQueue struct {
	pending []op
	// cancel cancels the running write; nil when none runs.
	cancel context.CancelFunc
}

// push queues o after the others.
func (q writeQueue) push(o op) writeQueue {
	q.pending = append(slices.Clone(q.pending), o)
	return q
}

// next takes the next write to start; ok is false while one runs or when
// none is queued.
func (q writeQueue) next() (_ writeQueue, o op, ok bool) {
	if q.running() || len(q.pending) == 0 {
		return q, op{}, false
	}
	o, q.pending = q.pending[0], q.pending[1:]
	return q, o, true
}

// running reports whether a write runs.
func (q writeQueue) running() bool { return q.cancel != nil }

// run marks a write running under a context of parent and returns the Cmd
// that does it.
func (q writeQueue) run(parent context.Context, work func(ctx context.Context) opDoneMsg) (writeQueue, tea.Cmd) {
	ctx, cancel := context.WithCancel(parent)
	q.cancel = cancel
	return q, func() tea.Msg {
		defer cancel()
		return work(ctx)
	}
}

// finished records the end of the running write.
func (q writeQueue) finished() writeQueue {
	q.cancel = nil
	return q
}

// interrupt cancels the running write, if any.
func (q writeQueue) interrupt() {
	if q.cancel != nil {
		q.cancel()
	}
}
