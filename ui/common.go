package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
	"switchboard/routing"
)

// service is the inbox as the screens call it: a connection bound to the operator acting (an
// *inbox.Session in this process, or one in the process that owns the workspace, reached
// through a door). Every call is an operation of the inbox's API (inbox.OpX.Call) run in the
// closures Common.act and Common.async give to commands; who acts is the connection's, never
// an argument.
type service = inbox.Conn

// Common is what every component of one session shares (soft-serve's common.Common): the
// session (the service, the operator acting, its context and its events), the terminal (size,
// styles, keys, clock) and the things every component may use — the workspace's configuration
// as last loaded, the status line and the count of service calls on their way. Each session
// has its own (the root Model builds it in New and every component embeds a pointer to it);
// nothing the screens draw or change lives at package level, so many sessions can share a
// process.
type Common struct {
	ctx    context.Context
	svc    service
	as     string // the operator the connection acts as (u changes the connection, in a local terminal)
	events <-chan inbox.Event
	opts   Options
	clock  Scheduler

	keys            KeyMap
	theme           Theme  // the person's (their config file's)
	st              Styles // built from the theme's palette for this session's terminal
	isDark, noColor bool
	w, h            int // the terminal's size

	cfg    config // the workspace's configuration, reloaded on config events
	looks  uint64 // counts changes of cfg and st: what a component drew from them is stale
	calls  calls  // service calls on their way (the spinner)
	status status // the status line

	frames map[frameKey]*boxFrame // the panes' borders as lipgloss draws them, by width (frame.go)
	lines  map[lineKey]boxedLine  // inner lines as boxed in those borders (frame.go)
	// reference draws everything afresh, from no cache, every pane boxed and the panes joined
	// by lipgloss alone: the drawing the frame tests compare the fast one with
	reference bool
}

func newCommon(ctx context.Context, svc service, opts Options) *Common {
	c := &Common{ctx: ctx, svc: svc, opts: opts, clock: opts.Scheduler, keys: DefaultKeyMap(),
		isDark: !opts.Light, noColor: opts.NoColor, as: svc.Operator(), theme: ThemeDefault}
	if c.clock == nil {
		c.clock = wallClock{}
	}
	if opts.Config != nil {
		c.keys, c.theme = opts.Config.Keys, opts.Config.Theme
		if c.opts.Bell == "" {
			c.opts.Bell = opts.Config.Bell
		}
	}
	if t, ok := envTheme(opts.Environ); ok {
		c.theme = t // the session's own choice (an SSH client's SendEnv) beats the file
	}
	c.st = c.styles()
	if opts.Config != nil && opts.Config.Problem != "" {
		c.setStatus(1, opts.Config.Problem) // stays until the next status (its timer is not started)
	}
	return c
}

// Scheduler is where a session's time and waiting come from. Every command of the screens
// that waits is made by it: for a while to pass (After: the spinner's tick, the pause before a
// preview loads or a reload runs, how long a status line stays) and for the next live event
// (Wait, given the function that blocks on the subscription). Options.Scheduler nil is the
// wall clock; a test gives its own to drive the screens one step at a time.
type Scheduler interface {
	Now() time.Time
	After(d time.Duration, msg tea.Msg) tea.Cmd
	Wait(next func() tea.Msg) tea.Cmd
}

// wallClock is the Scheduler of a real terminal: time.Now, tea.Tick, and a command that blocks
// on the subscription.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) After(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

func (wallClock) Wait(next func() tea.Msg) tea.Cmd { return next }

func (c *Common) now() time.Time { return c.clock.Now() }

func (c *Common) after(d time.Duration, msg tea.Msg) tea.Cmd { return c.clock.After(d, msg) }

// waitEvent waits for the next event of the subscription.
func (c *Common) waitEvent() tea.Cmd {
	ch := c.events
	return c.clock.Wait(func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{e}
	})
}

// ---- service calls ----

// calls counts the service calls on their way, for the spinner in the header.
type calls struct {
	pending  int
	spinning bool // a spinner tick is on its way
	show     bool // still waiting after a tick: the spinner shows
	frame    int
}

const spinEvery = 120 * time.Millisecond

// async runs f in a command and counts it as pending for the spinner.
func (c *Common) async(f func() tea.Msg) tea.Cmd {
	c.calls.pending++
	var spin tea.Cmd
	if !c.calls.spinning {
		c.calls.spinning = true
		spin = c.after(spinEvery, spinMsg{})
	}
	return tea.Batch(func() tea.Msg { return asyncMsg{f()} }, spin)
}

// act runs a command on the service and reports it with a toast or an error (doneMsg).
func (c *Common) act(what string, f func(ctx context.Context, svc service) (*inbox.Outcome, error)) tea.Cmd {
	return c.actOn("", what, f)
}

// actOn is act for an action on the conversation of contact: a refusal is also shown in that
// conversation's timeline (as a line of this screen's, not stored), where the person looks.
func (c *Common) actOn(contact, what string, f func(ctx context.Context, svc service) (*inbox.Outcome, error)) tea.Cmd {
	svc, ctx, as := c.svc, c.ctx, c.as
	return c.async(func() tea.Msg {
		out, err := f(ctx, svc)
		return doneMsg{what: what, out: out, err: err, as: as, contact: contact}
	})
}

func outcome(o inbox.Outcome, err error) (*inbox.Outcome, error) {
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// ---- the status line ----

type status struct {
	text string
	kind int // 0 info, 1 error, 2 toast
	seq  uint64
	// about names the input a status is about ("reply", "search"): it goes as soon as that
	// input changes or is left, so "The reply is empty" never stays over a reply being typed.
	about string
}

// setStatus shows s in the status line for a while (an error longer).
func (c *Common) setStatus(kind int, s string) tea.Cmd {
	c.status.seq++
	c.status.text, c.status.kind, c.status.about = s, kind, ""
	d := 6 * time.Second
	if kind == 1 {
		d = 10 * time.Second
	}
	return c.after(d, clearStatusMsg{c.status.seq})
}

// statusAbout shows s as setStatus does, as being about the input named about (see status).
func (c *Common) statusAbout(about string, kind int, s string) tea.Cmd {
	cmd := c.setStatus(kind, s)
	c.status.about = about
	return cmd
}

// dropStatus clears the status line if what it shows is about the input named about: that
// input changed or was left, so what it said no longer holds.
func (c *Common) dropStatus(about string) {
	if c.status.about == about && c.status.text != "" {
		c.status.seq++
		c.status.text, c.status.about = "", ""
	}
}

func (c *Common) fail(err error) tea.Cmd {
	if err == nil {
		return nil
	}
	return c.setStatus(1, errText(err))
}

func errText(err error) string {
	msg := err.Error()
	if inbox.KindOf(err) == inbox.Conflict && msg == inbox.TextStale {
		return inbox.TextStale
	}
	var refusal *routing.Refusal
	if inbox.KindOf(err) == "" && !errors.As(err, &refusal) { // a refusal says what to do itself
		return "Something went wrong: " + msg
	}
	return msg
}

// ---- the workspace's configuration ----

// config is the workspace's configuration as last loaded: the names every component shows,
// what the pickers offer, what the settings screen draws.
type config struct {
	ops      []inbox.OperatorView
	teams    []inbox.Team
	settings inbox.SettingsView
	history  []inbox.SettingChange
	caps     inbox.Capabilities // what the operator acting may do, as the service says
	keys     []inbox.KeyView    // the SSH keys operators sign in with
	loaded   bool
}

func (c *Common) me() (inbox.OperatorView, bool) {
	for _, o := range c.cfg.ops {
		if o.ID == c.as {
			return o, true
		}
	}
	return inbox.OperatorView{}, false
}

// can says whether the operator acting may use a capability, and why not when not: the
// service's answer (OpWhoAmI), reloaded with the configuration. The screens have no rules of
// their own about who may do what.
func (c *Common) can(k inbox.Capability) (bool, string) {
	if c.cfg.caps == nil {
		return false, "the workspace is still loading"
	}
	return c.cfg.caps.Can(k)
}

// mayRoute: the routing settings (toggles, plan, default team, rules).
func (c *Common) mayRoute() (bool, string) { return c.can(inbox.CapChangeRouting) }

func (c *Common) opName(id string) string {
	switch id {
	case "":
		return "nobody"
	case "bot":
		return "Bot"
	}
	for _, o := range c.cfg.ops {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}

func (c *Common) teamName(id string) string {
	for _, t := range c.cfg.teams {
		if t.ID == id {
			return t.Name
		}
	}
	return id
}

func (c *Common) assigneeName(cv *inbox.ConversationView) string {
	if cv.Assignee == nil {
		return "unassigned"
	}
	if cv.AssigneeName != "" {
		return cv.AssigneeName
	}
	return c.opName(*cv.Assignee)
}

// ---- drawing helpers every component uses ----

func (c *Common) presence(s routing.Presence) string {
	switch s {
	case routing.Online:
		return c.st.On.Render("● online")
	case routing.Away:
		return c.st.Locked.Render("◐ away")
	}
	return c.st.Off.Render("○ " + safeFit(string(s), 20))
}
