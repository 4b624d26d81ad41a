package inbox

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// View names a list of conversations.
type View string

const (
	ViewMine       View = "mine"       // open, assigned to the operator asking
	ViewUnassigned View = "unassigned" // open, nobody assigned
	ViewBot        View = "bot"        // open, assigned to Bot
	ViewBacklog    View = "backlog"    // waiting in a team's backlog (Filter.Team: that team's)
	ViewWaiting    View = "waiting"    // waiting for a team decision
	ViewTeam       View = "team"       // open, in Filter.Team
	ViewOpen       View = "open"       // every open conversation
	ViewClosed     View = "closed"     // every closed conversation
	ViewAll        View = "all"        // every conversation, open or closed
)

// Filter selects conversations. View picks the list; Status, Assignee and Team narrow it
// further (the CLI's list flags). Assignee is an operator id, "bot" or "none".
type Filter struct {
	View     View
	Operator string // who asks (for ViewMine)
	Team     string
	Status   string // open, closed or "" / all
	Assignee string
	Cursor   string
	Order    Order // NewestFirst ("" too) or OldestFirst
	Limit    int   // default 50, at most 500
	Unread   bool  // only conversations with unread customer messages (the inbox's "next unread")
}

// Order is the order of a list: newest activity first (the default) or oldest first, its exact
// reverse.
type Order string

const (
	NewestFirst Order = "newest"
	OldestFirst Order = "oldest"
)

// Page is one page of conversations in the filter's order. Next is the cursor of the next page
// in that order, "" on the last.
type Page struct {
	Conversations []ConversationView `json:"conversations"`
	Next          string             `json:"next,omitempty"`
}

// CursorOf is the position of a conversation in every list it is in: a page after it starts
// with its neighbour, the older one newest first, the newer one oldest first. (A cursor stays a
// position when the conversation moves: new activity moves the conversation, not the cursor.)
func CursorOf(c ConversationView) string {
	return domain.CursorOf(domain.Conversation{Contact: c.Contact.ID, LastAt: c.LastAt.UnixNano()})
}

// CheckCursor says what is wrong with a list cursor (nil when it is one).
func CheckCursor(s string) error {
	_, err := domain.DecodeListCursor(s)
	return err
}

// The queries of the views.
func byStatus(st string) domain.Query      { return domain.Query{}.WithStatus(routing.Status(st)) }
func byAssignee(a, st string) domain.Query { return byStatus(st).WithAssignee(a) }
func byTeam(team, st string) domain.Query  { return byStatus(st).WithTeam(team) }

// list is a filter resolved against the configuration: the index to walk and the check of every
// field the index does not fix.
type list struct {
	ix   domain.Query
	keep func(*domain.Conversation) bool // nil: the index alone decides
	// in reports whether a conversation belongs to the list (what the index and keep decide)
	in func(*domain.Conversation) bool
}

// resolve checks a filter and finds the narrowest index for it.
func (s *Service) resolve(f Filter) (list, error) {
	if f.Cursor != "" {
		if _, err := domain.DecodeListCursor(f.Cursor); err != nil {
			return list{}, errorf(Invalid, "%v", err)
		}
	}
	cfg := s.cfg.Load()
	if f.View == "" {
		f.View = ViewOpen
	}
	if f.Status == "all" {
		f.Status = ""
	}
	if f.Status != "" && f.Status != "open" && f.Status != "closed" {
		return list{}, errorf(Invalid, "Unknown status %q: use open, closed or all", f.Status)
	}
	if f.Order != "" && f.Order != NewestFirst && f.Order != OldestFirst {
		return list{}, errorf(Invalid, "Unknown order %q: use %s or %s", f.Order, NewestFirst, OldestFirst)
	}
	if f.Team != "" {
		if _, ok := cfg.team(f.Team); !ok {
			return list{}, errorf(NotFound, "Team %q not found; see `switchboard teams`", f.Team)
		}
	}
	assignee, assigneeSet := f.Assignee, f.Assignee != ""
	if assignee == "none" {
		assignee = ""
	}
	if assigneeSet && assignee != "" && assignee != routing.Bot {
		if _, ok := cfg.op(assignee); !ok {
			return list{}, errorf(NotFound, "Operator %q not found; see `switchboard operators`", assignee)
		}
	}
	var ix domain.Query
	status := f.Status
	switch f.View {
	case ViewMine:
		if _, ok := cfg.op(f.Operator); !ok {
			return list{}, unknownActor(f.Operator)
		}
		ix, assignee, assigneeSet, status = byAssignee(f.Operator, "open"), f.Operator, true, "open"
	case ViewUnassigned:
		ix, assignee, assigneeSet, status = byAssignee("", "open"), "", true, "open"
	case ViewBot:
		ix, assignee, assigneeSet, status = byAssignee(routing.Bot, "open"), routing.Bot, true, "open"
	case ViewWaiting:
		ix = domain.Query{Waiting: true}
	case ViewBacklog:
		if assigneeSet && assignee != routing.Bot {
			return list{}, errorf(Invalid, "The backlog waits with Bot: leave the assignee out (or give bot)")
		}
		ix = domain.Query{Backlog: true}
		if f.Team != "" {
			ix.Team = &f.Team
		}
		status, assignee, assigneeSet = "open", routing.Bot, true
	case ViewTeam:
		if f.Team == "" {
			return list{}, errorf(Invalid, "The team view needs a team id")
		}
		if status == "" {
			status = "open"
		}
		ix = byTeam(f.Team, status)
	case ViewOpen:
		status = "open"
		ix = byStatus("open")
	case ViewClosed:
		status = "closed"
		ix = byStatus("closed")
	case ViewAll:
		ix = domain.Query{}
		if status != "" {
			ix = byStatus(status)
		}
	default:
		return list{}, errorf(Invalid, "Unknown view %q: use mine, unassigned, bot, backlog, waiting, team, open, closed or all", f.View)
	}
	if f.View == ViewBacklog && f.Status == "closed" {
		status = "closed" // nothing closed waits in a backlog: an empty list
	}
	// the narrowest index: every field the filter fixes narrows the ranges List merges
	if f.View != ViewWaiting && f.View != ViewBacklog {
		if status != "" {
			ix = ix.WithStatus(routing.Status(status))
		}
		if f.Team != "" {
			ix = ix.WithTeam(f.Team)
		}
		if assigneeSet {
			ix = ix.WithAssignee(assignee)
		}
	}
	ix.OldestFirst = f.Order == OldestFirst
	keep := func(c *domain.Conversation) bool {
		if status != "" && c.Status != routing.Status(status) {
			return false
		}
		if assigneeSet && c.Assignee != assignee {
			return false
		}
		if f.Team != "" && c.Team != f.Team {
			return false
		}
		return true
	}
	l := list{ix: ix, keep: keep, in: keep}
	if f.View == ViewWaiting {
		l.in = func(c *domain.Conversation) bool { return c.Prompt != nil && keep(c) }
	}
	if status == "" && !assigneeSet && f.Team == "" {
		l.keep = nil // the index decides alone: counting reads keys only
	}
	if f.View == ViewBacklog {
		l.in = func(c *domain.Conversation) bool { return c.InBacklog() && keep(c) }
		if status == "open" && (f.Assignee == "" || f.Assignee == routing.Bot) {
			l.keep = nil // the backlog index decides alone
		}
	}
	if f.Unread {
		// no index: read in the list's order until enough are found (unread ones are mostly
		// near the top, newest activity first)
		base, in := l.keep, l.in
		l.keep = func(c *domain.Conversation) bool { return c.Unread > 0 && (base == nil || base(c)) }
		l.in = func(c *domain.Conversation) bool { return c.Unread > 0 && in(c) }
	}
	return l, nil
}

// List returns a page of conversations.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	l, err := s.resolve(f)
	if err != nil {
		return Page{}, err
	}
	cfg := s.cfg.Load()
	var page Page
	err = s.db.View(func(tx domain.ReadTx) error {
		convs, next, err := tx.List(l.ix, f.Cursor, f.Limit, l.keep)
		if err != nil {
			return err
		}
		page.Next = next
		page.Conversations, err = views(tx, cfg, convs)
		return err
	})
	if err != nil {
		return Page{}, readErr(err)
	}
	return page, nil
}

func views(tx domain.ReadTx, cfg *config, convs []domain.Conversation) ([]ConversationView, error) {
	out := make([]ConversationView, 0, len(convs))
	for _, cv := range convs {
		ct, _, err := tx.Contact(cv.Contact)
		if err != nil {
			return nil, err
		}
		out = append(out, cfg.conversationView(ct, cv))
	}
	return out, nil
}

// Place says where a window of a list is: around the conversation of Contact when it is in the
// list; otherwise around that of Anchor when it is; otherwise around the position At (a cursor,
// e.g. CursorOf the row where the conversation was); otherwise at the end of the list (End) or at
// its start. Before and After are how many conversations to take on each side (at the end:
// Before; at the start: After).
type Place struct {
	Contact       string
	Anchor        string
	At            string
	End           bool
	Before, After int
}

// MaxWindowSide is the most conversations a window takes on one side of its place.
const MaxWindowSide = 2000

// Window is a part of a list, newest activity first, read in one transaction.
type Window struct {
	Conversations []ConversationView `json:"conversations"`
	// Index is where Place.Contact is in Conversations, -1 when it is not in the list.
	Index int `json:"index"`
	// At is how many of Conversations come before the place (the index of Contact or Anchor
	// when the window is around one of them).
	At int `json:"at"`
	// Start is the position of the first of Conversations in the whole list (0: the window
	// starts it), counted in the same read.
	Start int `json:"start"`
	// Newer is the cursor of the conversations before the window (list them OldestFirst), ""
	// when the window starts the list; Older that of those after it (NewestFirst), "" when it
	// ends the list.
	Newer string `json:"newer,omitempty"`
	Older string `json:"older,omitempty"`
	// Conversation is Place.Contact's conversation as it is now, in the list or not (nil when
	// the contact has none or none was asked about).
	Conversation *ConversationView `json:"conversation,omitempty"`
}

// Window returns the conversations of a list around a place in one read, so a screen can keep a
// person's place (and the conversation they selected) while the list changes under it, and
// reach the end of a long list without reading it all. f.Cursor, f.Order and f.Limit are not
// used.
func (s *Service) Window(ctx context.Context, f Filter, p Place) (Window, error) {
	if p.Before < 0 || p.After < 0 || p.Before > MaxWindowSide || p.After > MaxWindowSide {
		return Window{}, errorf(Invalid, "A window takes 0 to %d conversations on each side, not %d and %d", MaxWindowSide, p.Before, p.After)
	}
	if p.At != "" {
		if _, err := domain.DecodeListCursor(p.At); err != nil {
			return Window{}, errorf(Invalid, "%v", err)
		}
	}
	// contact ids, as lists give them (a number, a BSUID, c.<n>)
	contact, anchor := p.Contact, p.Anchor
	for _, id := range []string{contact, anchor} {
		if err := checkContactID(id); id != "" && err != nil {
			return Window{}, errorf(Invalid, "The contact id %v", err)
		}
	}
	f.Cursor, f.Order = "", ""
	l, err := s.resolve(f)
	if err != nil {
		return Window{}, err
	}
	cfg := s.cfg.Load()
	w := Window{Index: -1}
	err = s.db.View(func(tx domain.ReadTx) error {
		// page takes up to n conversations after the cursor in the index's order, and says
		// whether more follow
		page := func(ix domain.Query, cursor string, n int) ([]domain.Conversation, bool, error) {
			if n == 0 {
				cs, _, err := tx.List(ix, cursor, 1, l.keep) // only whether one follows
				return nil, len(cs) > 0, err
			}
			cs, next, err := tx.List(ix, cursor, n, l.keep)
			return cs, next != "", err
		}
		var newer, older []domain.Conversation // newer: nearest first
		var moreNewer, moreOlder bool
		var mid *domain.Conversation
		cursor, atStart := "", true
		if contact != "" {
			cv, ok, err := tx.Conversation(contact)
			if err != nil {
				return err
			}
			if ok {
				ct, _, err := tx.Contact(contact)
				if err != nil {
					return err
				}
				v := cfg.conversationView(ct, cv)
				w.Conversation = &v
				if l.in(&cv) {
					mid, cursor, atStart = &cv, domain.CursorOf(cv), false
				}
			}
		}
		if mid == nil && anchor != "" {
			cv, ok, err := tx.Conversation(anchor)
			if err != nil {
				return err
			}
			if ok && l.in(&cv) {
				mid, cursor, atStart = &cv, domain.CursorOf(cv), false
			}
		}
		if mid == nil && p.At != "" {
			cursor, atStart = p.At, false
		}
		switch {
		case !atStart:
			if newer, moreNewer, err = page(l.ix.Reversed(), cursor, p.Before); err != nil {
				return err
			}
			if older, moreOlder, err = page(l.ix, cursor, p.After); err != nil {
				return err
			}
		case p.End:
			if newer, moreNewer, err = page(l.ix.Reversed(), "", max(1, p.Before)); err != nil {
				return err
			}
		default:
			if older, moreOlder, err = page(l.ix, "", max(1, p.After)); err != nil {
				return err
			}
		}
		slices.Reverse(newer)
		all := newer
		if mid != nil {
			if mid.Contact == contact {
				w.Index = len(all)
			}
			all = append(all, *mid)
		}
		w.At = len(newer)
		all = append(all, older...)
		if w.Conversations, err = views(tx, cfg, all); err != nil {
			return err
		}
		if len(all) == 0 {
			return nil
		}
		if moreNewer {
			w.Newer = domain.CursorOf(all[0])
			if w.Start, err = tx.CountAfter(l.ix.Reversed(), w.Newer, l.keep); err != nil {
				return err
			}
		}
		if moreOlder {
			w.Older = domain.CursorOf(all[len(all)-1])
		}
		return nil
	})
	if err != nil {
		return Window{}, readErr(err)
	}
	return w, nil
}

func readErr(err error) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // the caller gave up (a search replaced by the next keystroke, ctrl-c): not a fault
	}
	return errorf(Internal, "could not read the workspace: %v", err)
}

// Counts are the live counts of the inbox views for one operator.
type Counts struct {
	Mine       int            `json:"mine"`
	Unassigned int            `json:"unassigned"`
	Bot        int            `json:"bot"`
	Waiting    int            `json:"waiting"`
	Backlog    int            `json:"backlog"` // waiting in a team's backlog
	Teams      map[string]int `json:"teams"`   // open conversations per team
	Open       int            `json:"open"`
	Closed     int            `json:"closed"`
	All        int            `json:"all"`
}

// Counts returns the view counts for the operator. It reads counters kept with the data, so it
// costs the same for ten conversations or a million.
func (s *Service) Counts(ctx context.Context, operator string) (Counts, error) {
	cfg := s.cfg.Load()
	c := Counts{Teams: map[string]int{}}
	err := s.db.View(func(tx domain.ReadTx) error {
		count := func(into *int, q domain.Query) error {
			n, err := tx.Count(q)
			*into = n
			return err
		}
		counts := []struct {
			into *int
			q    domain.Query
		}{{&c.Mine, byAssignee(operator, "open")}, {&c.Unassigned, byAssignee("", "open")}, {&c.Bot, byAssignee(routing.Bot, "open")},
			{&c.Waiting, domain.Query{Waiting: true}}, {&c.Backlog, domain.Query{Backlog: true}}, {&c.Open, byStatus("open")},
			{&c.Closed, byStatus("closed")}, {&c.All, domain.Query{}}}
		for _, x := range counts {
			if err := count(x.into, x.q); err != nil {
				return err
			}
		}
		for _, t := range cfg.teams {
			var n int
			if err := count(&n, byTeam(t.ID, "open")); err != nil {
				return err
			}
			c.Teams[t.ID] = n
		}
		return nil
	})
	return c, readErr0(err)
}

func readErr0(err error) error {
	if err == nil {
		return nil
	}
	return readErr(err)
}

// Detail is one conversation with a page of its timeline.
type Detail struct {
	Conversation ConversationView `json:"conversation"`
	Timeline     []domain.Entry   `json:"timeline"`
	// Older is the cursor for the page of entries before these ("" when these are the first).
	Older string `json:"older,omitempty"`
	// CanAnswer: the operator asking may answer the waiting team decision.
	CanAnswer bool `json:"can_answer"`
	// Outbound: whether replies are sent, and the 24-hour window (outbox.go).
	Outbound Outbound `json:"outbound"`
}

// Conversation returns the contact's conversation with the newest page of its timeline before
// cursor ("" for the newest), in time order. asker decides CanAnswer.
func (s *Service) Conversation(ctx context.Context, asker, contact, cursor string, limit int) (Detail, error) {
	if limit <= 0 {
		limit = 100
	}
	if cursor != "" {
		if _, _, err := domain.DecodeEntryCursor(cursor); err != nil {
			return Detail{}, errorf(Invalid, "%v", err)
		}
	}
	cfg := s.cfg.Load()
	var d Detail
	err := s.db.View(func(tx domain.ReadTx) error {
		ct, err := findContact(tx, contact)
		if err != nil {
			return err
		}
		id := ct.ID
		cv, ok, err := tx.Conversation(id)
		if err != nil {
			return err
		}
		if !ok {
			d.Conversation = cfg.conversationView(ct, domain.Conversation{Contact: id})
			d.Timeline = []domain.Entry{}
			d.Outbound = s.outboundView(domain.Conversation{})
			return nil
		}
		d.Conversation = cfg.conversationView(ct, cv)
		d.Outbound = s.outboundView(cv)
		d.Timeline, d.Older, err = tx.Timeline(id, cursor, limit)
		if d.Timeline == nil {
			d.Timeline = []domain.Entry{}
		}
		if cv.Prompt != nil {
			d.CanAnswer = canAnswer(cfg, asker, cv.Prompt)
		}
		return err
	})
	return d, readErr0(err)
}

func canAnswer(cfg *config, asker string, p *domain.Prompt) bool {
	o, ok := cfg.op(asker)
	if !ok || p == nil {
		return false
	}
	if p.RaisedBy == routing.Routing {
		return asker == p.Target || o.Role == routing.RoleAdmin
	}
	return asker == p.RaisedBy
}

// Prompts returns the team decisions the operator may answer, newest first.
func (s *Service) Prompts(ctx context.Context, operator string) ([]PromptView, error) {
	cfg := s.cfg.Load()
	if _, ok := cfg.op(operator); !ok {
		return nil, unknownActor(operator)
	}
	out := []PromptView{}
	err := s.db.View(func(tx domain.ReadTx) error {
		cursor := ""
		for {
			convs, next, err := tx.List(domain.Query{Waiting: true}, cursor, 200, func(c *domain.Conversation) bool { return canAnswer(cfg, operator, c.Prompt) })
			if err != nil {
				return err
			}
			for _, cv := range convs {
				ct, _, err := tx.Contact(cv.Contact)
				if err != nil {
					return err
				}
				out = append(out, *cfg.promptView(ct, cv.Prompt))
			}
			if next == "" {
				return nil
			}
			cursor = next
		}
	})
	return out, readErr0(err)
}

// Notifications returns the operator's notifications, newest first: unread ones, or all.
func (s *Service) Notifications(ctx context.Context, operator string, all bool) ([]domain.Notification, error) {
	if _, ok := s.cfg.Load().op(operator); !ok {
		return nil, unknownActor(operator)
	}
	var out []domain.Notification
	err := s.db.View(func(tx domain.ReadTx) error {
		var err error
		if out, err = tx.Notifications(operator, all); err != nil {
			return err
		}
		return decidedSince(tx, out)
	})
	if out == nil {
		out = []domain.Notification{}
	}
	return out, readErr0(err)
}

// promptWaiting and promptWaitingEnd frame the notification that a team decision waits (raised
// by a message or call, told to the owner and every admin).
const (
	promptWaiting    = "Team decision waiting: "
	promptWaitingEnd = " — open %s to accept or decline"
	promptDecided    = "Team decision no longer waiting (answered, or withdrawn when the conversation closed): "
)

// decidedSince rewrites, in the list read, the notifications of team decisions that no longer
// wait — answered by someone, or withdrawn — so an old one never asks to accept or decline
// what is gone. The stored text stays; a decision waits still when the conversation's prompt
// is the one the notification was about (raised at or before it).
func decidedSince(tx domain.ReadTx, ns []domain.Notification) error {
	waiting := map[string]*domain.Prompt{}
	for i := range ns {
		n := &ns[i]
		if n.Contact == "" || !strings.HasPrefix(n.Text, promptWaiting) {
			continue
		}
		p, seen := waiting[n.Contact]
		if !seen {
			cv, ok, err := tx.Conversation(n.Contact)
			if err != nil {
				return err
			}
			if ok {
				p = cv.Prompt
			}
			waiting[n.Contact] = p
		}
		if p != nil && !p.At.After(n.At) {
			continue
		}
		q := strings.TrimPrefix(n.Text, promptWaiting)
		if i := strings.LastIndex(q, " — open "); i >= 0 {
			q = q[:i]
		}
		n.Text = promptDecided + q
	}
	return nil
}

// SettingsView is the workspace settings with what is in force and why a toggle is locked.
type SettingsView struct {
	domain.Settings
	OwnerRoutingActive bool   `json:"owner_routing_in_force"`
	RoundRobinActive   bool   `json:"round_robin_in_force"`
	OwnerRoutingLock   string `json:"owner_routing_locked,omitempty"` // why it cannot be turned on
	RoundRobinLock     string `json:"round_robin_locked,omitempty"`
	// AwayWaitText is the owner-away wait as people read it ("off", "0s", "10m").
	AwayWaitText string `json:"owner_away_wait_text"`
	// HoursText is the working hours ("Mon–Fri 09:00–17:00 (Europe/Berlin)", "always open");
	// HoursOpen whether round robin may run now, HoursNow says so and when it changes.
	HoursText string `json:"hours_text"`
	HoursOpen bool   `json:"hours_open"`
	HoursNow  string `json:"hours_now"`
	// AssignmentMode is round_robin or balanced.
	AssignmentMode string `json:"assignment_mode"`
}

// Settings returns the settings.
func (s *Service) Settings(ctx context.Context) SettingsView {
	st := s.cfg.Load().settings
	rs := toRoutingSettings(st)
	v := SettingsView{Settings: st, OwnerRoutingActive: rs.OwnerRoutingActive(), RoundRobinActive: rs.RoundRobinActive()}
	if v.Rules == nil {
		v.Rules = []domain.Rule{}
	}
	if !routing.PlanAllowsOwnerRouting(rs.Plan) {
		v.OwnerRoutingLock = routing.TextOwnerRoutingPlan
	}
	if !routing.PlanAllowsRoundRobin(rs.Plan) {
		v.RoundRobinLock = routing.TextRoundRobinPlan
	}
	v.AwayWaitText = rs.AwayWait.String()
	v.HoursText = rs.Hours.String()
	v.HoursOpen, v.HoursNow = hoursNow(st, s.at(time.Time{}))
	v.AssignmentMode = string(routing.AssignRoundRobin)
	if rs.Assignment == routing.AssignBalanced {
		v.AssignmentMode = string(rs.Assignment)
	}
	return v
}

// History returns the settings history, oldest first.
func (s *Service) History(ctx context.Context) ([]domain.SettingChange, error) {
	var out []domain.SettingChange
	err := s.db.View(func(tx domain.ReadTx) error {
		var err error
		out, err = tx.History()
		return err
	})
	if out == nil {
		out = []domain.SettingChange{}
	}
	return out, readErr0(err)
}

// OperatorView is an operator with their teams.
type OperatorView struct {
	domain.Operator
	Teams []string `json:"teams"`
}

// Operators returns the operators, by id, with their teams.
func (s *Service) Operators(ctx context.Context) []OperatorView {
	cfg := s.cfg.Load()
	out := make([]OperatorView, 0, len(cfg.ops))
	for _, o := range cfg.ops {
		v := OperatorView{Operator: o, Teams: []string{}}
		for _, t := range cfg.teams {
			for _, m := range t.Members {
				if m == o.ID {
					v.Teams = append(v.Teams, t.ID)
					break
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// Operator returns one operator.
func (s *Service) Operator(id string) (domain.Operator, bool) { return s.cfg.Load().op(id) }

// Teams returns the teams in workspace order.
func (s *Service) Teams(ctx context.Context) []domain.Team {
	cfg := s.cfg.Load()
	out := make([]domain.Team, len(cfg.teams))
	copy(out, cfg.teams)
	return out
}

// DefaultOperator returns the first admin by id (who acts when nobody says), or "" if there is
// no admin.
func (s *Service) DefaultOperator() string {
	cfg := s.cfg.Load()
	ids := make([]string, 0)
	for _, o := range cfg.ops {
		if o.Role == routing.RoleAdmin {
			ids = append(ids, o.ID)
		}
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// Contacts searches contacts by name or @username (contains, case and accents folded) or
// number (prefix, or inside it from four digits on); an empty query lists the first limit
// contacts by number.
func (s *Service) Contacts(ctx context.Context, query string, limit int) ([]ContactView, error) {
	if limit <= 0 {
		limit = 50
	}
	cfg := s.cfg.Load()
	out := []ContactView{}
	err := s.db.View(func(tx domain.ReadTx) error {
		if query == "" {
			return tx.Contacts(func(c domain.Contact) bool {
				out = append(out, cfg.contactView(c))
				return len(out) < limit
			})
		}
		// the inbox's search without message text: names and numbers, case and accents folded
		hits, err := tx.FindContacts(ctx, numberQuery(query), 0, limit)
		if err != nil {
			return err
		}
		for _, id := range hits.IDs {
			if hits.InText[id] {
				continue
			}
			c, ok, err := tx.Contact(id)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, cfg.contactView(c))
			}
		}
		return nil
	})
	return out, readErr0(err)
}
