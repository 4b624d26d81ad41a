package ui

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// attendance is the screen's word to presence that its person is there (Options.Attend): the
// connection it acts through is told a screen is open on it (inbox.Screener), each key press
// and click touches it, and it is left when the screen closes or acts as someone else. Attending
// and leaving talk to the owner, so they run off the screen's goroutine; Touch never waits.
type attendance struct {
	op     sync.Mutex // one attend or close at a time
	mu     sync.Mutex // cur
	cur    inbox.Present
	closed bool
}

// attend leaves the screen's current attendance and attends on conn, unless the screen closed
// meanwhile. A connection that cannot attend (not an inbox.Screener) leaves none.
func (a *attendance) attend(ctx context.Context, conn inbox.Conn) error {
	a.op.Lock()
	defer a.op.Unlock()
	a.mu.Lock()
	old, closed := a.cur, a.closed
	a.cur = nil
	a.mu.Unlock()
	if old != nil {
		_ = old.Leave(context.WithoutCancel(ctx))
	}
	sc, ok := conn.(inbox.Screener)
	if closed || !ok {
		return nil
	}
	p, err := sc.AttendScreen(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.cur = p
	a.mu.Unlock()
	return nil
}

// touch says a key was pressed.
func (a *attendance) touch() {
	a.mu.Lock()
	p := a.cur
	a.mu.Unlock()
	if p != nil {
		p.Touch()
	}
}

// close leaves for good: the screen has closed.
func (a *attendance) close() {
	a.op.Lock()
	defer a.op.Unlock()
	a.mu.Lock()
	p := a.cur
	a.cur, a.closed = nil, true
	a.mu.Unlock()
	if p != nil {
		_ = p.Leave(context.Background())
	}
}

// attendedMsg is the end of an attend: an error to show, or nil.
type attendedMsg struct{ err error }

// attend attends on the session's current connection, when the door asked for it.
func (m *Model) attend() tea.Cmd {
	if !m.opts.Attend {
		return nil
	}
	a, ctx, conn := m.att, m.ctx, m.svc
	return func() tea.Msg { return attendedMsg{err: a.attend(ctx, conn)} } // not an action: no spinner
}
