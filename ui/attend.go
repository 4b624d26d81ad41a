package ui

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// attendance is the screen's word to presence that its person is there (Options.Attend): the
// connection the screen was opened on is told a screen is open on it (inbox.Screener), each key
// press and click touches it, and it is left when the screen closes. It stays with the operator
// who opened the screen when they act as someone else (u): the person at the keys is still who
// they were, and the one acted as is not there. Attending and leaving talk to the owner, so
// they run off the screen's goroutine; Touch never waits, and close does not wait for an attend
// still on its way (it is cancelled, and left if it arrives).
type attendance struct {
	ctx    context.Context // the attendance's own: close cancels it
	cancel context.CancelFunc
	mu     sync.Mutex
	cur    inbox.Present
	closed bool
}

func newAttendance(ctx context.Context) *attendance {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &attendance{ctx: ctx, cancel: cancel}
}

// attend attends on conn, unless the screen closed meanwhile. A connection that cannot attend
// (not an inbox.Screener) leaves none.
func (a *attendance) attend(conn inbox.Conn) error {
	sc, ok := conn.(inbox.Screener)
	if !ok {
		return nil
	}
	p, err := sc.AttendScreen(a.ctx)
	if err != nil {
		if a.ctx.Err() != nil {
			return nil // the screen closed first
		}
		return err
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		_ = p.Leave(context.Background())
		return nil
	}
	a.cur = p
	a.mu.Unlock()
	return nil
}

// touch says a key was pressed (a screen that does not attend has a nil attendance).
func (a *attendance) touch() {
	if a == nil {
		return
	}
	a.mu.Lock()
	p := a.cur
	a.mu.Unlock()
	if p != nil {
		p.Touch()
	}
}

// close leaves for good: the screen has closed.
func (a *attendance) close() {
	if a == nil {
		return
	}
	a.cancel()
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

// attend attends on the connection the screen was opened on, when the door asked for it.
func (m *Model) attend() tea.Cmd {
	if m.att == nil {
		return nil // the door did not ask for it (Options.Attend)
	}
	a, conn := m.att, m.svc
	return func() tea.Msg { return attendedMsg{err: a.attend(conn)} } // not an action: no spinner
}
