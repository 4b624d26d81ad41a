package inbox

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // working hours name IANA zones: the same answer on every machine

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Routing that knows who is there: the settings (owner-away wait, working hours, holiday mode,
// assignment mode, capacity), the backlog sweep that runs when a member may have become a
// candidate, and the durable timers of an away owner's wait and of the start of working hours.

// The kinds of durable timer besides the ring timeout.
const (
	// timerAway: an away owner's wait runs out. Its ref is "version.at.seq.owner": the
	// conversation's version when the wait began, the entry of the message or call that began
	// it, and the owner it waits for.
	timerAway = "away"
	// timerHours: working hours start; every team's backlog is swept. It has no contact.
	timerHours = "hours"
)

// zones keeps the time zones loaded (they are read once; a *time.Location never changes).
var zones sync.Map

// LoadZone loads an IANA time zone for working hours ("" is UTC). "Local" is refused: it would
// mean different hours on every machine.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	bad := errorf(Invalid, "Unknown time zone %q: give an IANA zone name like Europe/Berlin, America/New_York or Asia/Kolkata, or UTC", name)
	if strings.EqualFold(name, "local") || len(name) > 64 {
		return nil, bad
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, bad
	}
	zones.Store(name, loc)
	return loc, nil
}

func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}

// routingHours reads stored working hours for routing.
func routingHours(h *domain.Hours) (routing.Hours, error) {
	var out routing.Hours
	if h == nil {
		return out, nil
	}
	loc, err := LoadZone(h.TZ)
	if err != nil {
		return out, err
	}
	out.Loc = loc
	for d := range out.Week {
		spans, err := routing.ParseSpans(*h.Day(d))
		if err != nil {
			return routing.Hours{}, fromRouting(err)
		}
		if len(spans) > 0 {
			out.Week[d] = spans
		}
	}
	return out, nil
}

// checkHours validates stored or imported working hours: a zone, days of valid ranges.
func checkHours(h *domain.Hours) error {
	if h == nil {
		return nil
	}
	if _, err := routingHours(h); err != nil {
		return err
	}
	return nil
}

// ---- the backlog sweep ----

// markSweep asks for the backlog of the teams to be swept when the command is done.
func (w *wtx) markSweep(tr routing.Trigger, teams ...string) {
	if w.sweeps == nil {
		w.sweeps = map[string][]routing.Trigger{}
	}
	for _, t := range teams {
		if !slices.Contains(w.sweeps[t], tr) {
			w.sweeps[t] = append(w.sweeps[t], tr)
		}
	}
}

// markOperator sweeps the teams of the operator (tr names them).
func (w *wtx) markOperator(kind routing.TriggerKind, op string) {
	w.markSweep(routing.Trigger{Kind: kind, Operator: op}, w.s.stage.teamsOf(op)...)
}

// markAll sweeps every team.
func (w *wtx) markAll(kind routing.TriggerKind) {
	for _, t := range w.s.stage.teams {
		w.markSweep(routing.Trigger{Kind: kind}, t.ID)
	}
}

// finish ends a command that did not fail: the backlog sweeps it asked for, then the round-robin
// memory of every team whose picks it made (written once, not once a pick).
func (w *wtx) finish() error {
	for len(w.sweeps) > 0 {
		teams := make([]string, 0, len(w.sweeps))
		for t := range w.sweeps {
			teams = append(teams, t)
		}
		slices.Sort(teams)
		tr := w.sweeps[teams[0]]
		delete(w.sweeps, teams[0])
		if err := w.sweep(teams[0], tr); err != nil {
			return err
		}
	}
	for _, team := range sortedKeys(w.rr) {
		if err := w.tx.PutRoundRobin(team, w.s.ws.RoundRobin(team)); err != nil {
			return must(err)
		}
	}
	w.rr = nil
	if w.reload_ {
		w.emit(Event{Kind: EventReload, Actor: routing.Routing})
		w.reload_ = false
	}
	return nil
}

// sweepEvents is how many backlog assignments of one command are told one by one; past it,
// subscribers get one EventReload.
const sweepEvents = 64

// sweep gives the team's backlog, oldest first, to its candidates while there are any (reason
// round_robin_backlog). Outside working hours it arms the timer of their next start instead.
func (w *wtx) sweep(team string, tr []routing.Trigger) error {
	ws := w.s.ws
	now := w.s.at(time.Time{})
	q := domain.Query{Backlog: true, Team: &team, OldestFirst: true}
	if ws.Settings.ClosedAt(now) == routing.ClosedHours {
		if n, err := w.tx.Count(q); err != nil {
			return must(err)
		} else if n > 0 {
			return w.armHours(now)
		}
		return nil
	}
	if !ws.HasCandidate(team, now) {
		return nil
	}
	cursor := ""
	for {
		convs, next, err := w.tx.List(q, cursor, 256, nil)
		if err != nil {
			return must(err)
		}
		for i := range convs {
			cv := convs[i]
			ct, ok, err := w.tx.Contact(cv.Contact)
			if err != nil {
				return must(err)
			}
			if !ok {
				continue
			}
			d := routing.DecideBacklog(ws, routingContact(ct), routingConv(cv, true), tr, time.Unix(0, cv.LastAt).UTC(), now)
			if !d.Changed() {
				return nil // nobody can take more
			}
			out, err := w.apply(&ct, &cv, d, false)
			if err != nil {
				return err
			}
			if w.swept++; w.swept <= sweepEvents {
				w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: routing.Routing, Why: out.Why, Reason: out.Reason, Assignee: cv.Assignee})
			} else {
				w.reload_ = true
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// armHours arms the timer of the next start of working hours after t (one timer per start).
func (w *wtx) armHours(t time.Time) error {
	next, ok := w.s.ws.Settings.Hours.NextOpen(t)
	if !ok {
		return nil
	}
	w.write()
	return must(w.tx.PutTimer(domain.Timer{Due: next, Kind: timerHours}))
}

// recount reads the operators' open conversations from the store again (after a change that
// routing did not decide: a contact deleted or merged, an import); an operator with fewer than
// before has room again.
func (w *wtx) recount(ops ...string) error {
	for _, op := range ops {
		if _, ok := w.s.stage.op(op); !ok {
			continue
		}
		n, err := w.tx.Count(byAssignee(op, "open"))
		if err != nil {
			return must(err)
		}
		if n < w.s.ws.Load(op) {
			w.markOperator(routing.TriggerCapacity, op)
		}
		w.s.ws.SetLoad(op, n)
	}
	return nil
}

func (w *wtx) recountAll() error {
	ids := make([]string, len(w.s.stage.ops))
	for i, o := range w.s.stage.ops {
		ids[i] = o.ID
	}
	return w.recount(ids...)
}

// ---- the away owner's wait ----

func awayTimer(due time.Time, contact string, version uint64, entry domain.EntryRef, owner string) domain.Timer {
	return domain.Timer{Due: due, Kind: timerAway, Contact: contact, Ref: fmt.Sprintf("%d.%d.%d.%s", version, entry.At, entry.Seq, owner)}
}

// parseAwayRef reads an away timer's ref.
func parseAwayRef(ref string) (version uint64, at int64, seq uint64, owner string, ok bool) {
	parts := strings.SplitN(ref, ".", 4)
	if len(parts) != 4 {
		return 0, 0, 0, "", false
	}
	var err1, err2, err3 error
	version, err1 = strconv.ParseUint(parts[0], 10, 64)
	at, err2 = strconv.ParseInt(parts[1], 10, 64)
	seq, err3 = strconv.ParseUint(parts[2], 10, 64)
	return version, at, seq, parts[3], err1 == nil && err2 == nil && err3 == nil && parts[3] != ""
}

// fireAway runs an away owner's wait that ran out: the owner is kept and a cover picked, when
// the owner is still not online, nobody replied since the message or call and nothing else
// happened to the conversation; otherwise nothing (the timer is gone either way).
func (w *wtx) fireAway(tm domain.Timer, now time.Time) error {
	version, at, seq, owner, ok := parseAwayRef(tm.Ref)
	if !ok {
		return nil // not a ref this version writes
	}
	ct, ok, err := w.tx.Contact(tm.Contact)
	if err != nil {
		return must(err)
	}
	cv, exists, err := w.tx.Conversation(tm.Contact)
	if err != nil {
		return must(err)
	}
	if !ok || !exists {
		return nil
	}
	replied, err := w.repliedSince(tm.Contact, domain.EntryRef{Contact: tm.Contact, At: at, Seq: seq})
	if err != nil {
		return err
	}
	f := routing.AwayFacts{Owner: owner, Replied: replied, Changed: cv.Version != version}
	d := routing.DecideAwayTimer(w.s.ws, routingContact(ct), routingConv(cv, true), f, now)
	if !d.Changed() {
		return nil
	}
	out, err := w.apply(&ct, &cv, d, false)
	if err != nil {
		return err
	}
	w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: routing.Routing, Why: out.Why, Reason: out.Reason, Assignee: cv.Assignee})
	return nil
}

// repliedSince reports whether the timeline has a reply after the entry (from Switchboard or
// from the WhatsApp Business app), reading back from the newest.
func (w *wtx) repliedSince(contact string, after domain.EntryRef) (bool, error) {
	cursor := ""
	for {
		es, prev, err := w.tx.Timeline(contact, cursor, 50)
		if err != nil {
			return false, must(err)
		}
		for i := len(es) - 1; i >= 0; i-- {
			e := es[i]
			if e.Ref.At < after.At || e.Ref.At == after.At && e.Ref.Seq <= after.Seq {
				return false, nil
			}
			if e.Kind == KindReply {
				return true, nil
			}
		}
		if prev == "" {
			return false, nil
		}
		cursor = prev
	}
}

// ---- the settings ----

// presenceSetting runs a change of one of these settings: routing decides (admins, values),
// change writes it into the staged configuration, the history records it, and sweep names the
// trigger of the backlog sweep it may start (0: none).
func (s *Service) presenceSetting(ctx context.Context, by string, key routing.SettingKey,
	decide func(w *routing.Workspace, at time.Time) (routing.SettingChange, error),
	change func(c *config) error, sweep routing.TriggerKind) (domain.SettingChange, error) {
	var out domain.SettingChange
	err := s.do(ctx, func(w *wtx) error {
		at := s.at(time.Time{})
		ch, err := decide(w.s.ws, at)
		if err != nil {
			return fromRouting(err)
		}
		out = domain.SettingChange{Key: string(ch.Key), By: ch.By, At: ch.At, From: ch.From, To: ch.To}
		if !ch.Changed() {
			return nil
		}
		c := w.s.stage.clone()
		if err := change(c); err != nil {
			return err
		}
		w.write()
		if err := w.tx.PutSettings(c.settings); err != nil {
			return must(err)
		}
		if out, err = w.tx.AddHistory(out); err != nil {
			return must(err)
		}
		w.configChanged(c, ch.By)
		if sweep != 0 {
			w.markAll(sweep)
		}
		return nil
	})
	if KindOf(err) == Forbidden {
		s.publish([]Event{{Kind: EventRefused, Actor: by, Why: err.Error(), Reason: string(key)}})
	}
	return out, err
}

// SetAwayWait sets what happens when a contact's owner is away or offline (admins): "off", or
// a wait in Go duration syntax ("0": a cover at once, "10m": the owner now, a cover in ten
// minutes if they are still away and nobody replied).
func (s *Service) SetAwayWait(ctx context.Context, by, value string) (domain.SettingChange, error) {
	v, err := routing.ParseWait(value)
	if err != nil {
		return domain.SettingChange{}, fromRouting(err)
	}
	return s.presenceSetting(ctx, by, routing.SettingAwayWait, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecideAwayWait(w, by, v, at)
	}, func(c *config) error {
		c.settings.OwnerAwayWait = ""
		if v.On {
			c.settings.OwnerAwayWait = v.String()
		}
		return nil
	}, 0)
}

// HoursChange is a change of the working hours: set the ranges of some days (replacing what
// they had), or clear them; and the time zone ("" keeps it; UTC when there was none).
type HoursChange struct {
	Days   string   `json:"days,omitempty"`   // "mon-fri", "sat,sun", …; "" with Clear: every day
	Ranges []string `json:"ranges,omitempty"` // "09:00-12:00", "13:00-17:00"
	TZ     string   `json:"tz,omitempty"`
	Clear  bool     `json:"clear,omitempty"`
}

// apply returns the hours after the change, nil when no day has a range (always open).
func (hc HoursChange) apply(cur *domain.Hours) (*domain.Hours, error) {
	h := domain.Hours{TZ: "UTC"}
	if cur != nil {
		h = *cur
		for d := 0; d < 7; d++ {
			*h.Day(d) = slices.Clone(*cur.Day(d))
		}
	}
	if hc.TZ != "" {
		if _, err := LoadZone(hc.TZ); err != nil {
			return nil, err
		}
		h.TZ = hc.TZ
	}
	var days []time.Weekday
	switch {
	case hc.Clear && strings.TrimSpace(hc.Days) == "":
		return nil, nil
	case strings.TrimSpace(hc.Days) != "" || !hc.Clear:
		var err error
		if days, err = routing.ParseDays(hc.Days); err != nil {
			return nil, fromRouting(err)
		}
	}
	var ranges []string
	if !hc.Clear {
		if len(hc.Ranges) == 0 {
			return nil, errorf(Invalid, "No range of hours given: give one or more like 09:00-17:00 (or clear the days)")
		}
		spans, err := routing.ParseSpans(hc.Ranges)
		if err != nil {
			return nil, fromRouting(err)
		}
		for _, sp := range spans {
			ranges = append(ranges, sp.String())
		}
	}
	for _, d := range days {
		*h.Day(int(d)) = slices.Clone(ranges)
	}
	for d := 0; d < 7; d++ {
		if len(*h.Day(d)) > 0 {
			return &h, nil
		}
	}
	return nil, nil // no range left: always open
}

// ChangeHours sets or clears working hours (admins). Hours that start now let round robin run
// again: the backlog is swept.
func (s *Service) ChangeHours(ctx context.Context, by string, hc HoursChange) (domain.SettingChange, error) {
	var next *domain.Hours
	var rh routing.Hours
	return s.presenceSetting(ctx, by, routing.SettingHours, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		if !w.IsAdmin(by) {
			return routing.SettingChange{}, &routing.Refusal{Kind: routing.Forbidden, Text: routing.TextOnlyAdmins}
		}
		var err error
		if next, err = hc.apply(s.stage.settings.Hours); err != nil {
			return routing.SettingChange{}, err
		}
		if rh, err = routingHours(next); err != nil {
			return routing.SettingChange{}, err
		}
		return routing.DecideHours(w, by, rh, at)
	}, func(c *config) error {
		c.settings.Hours = next
		return nil
	}, routing.TriggerHoursChanged)
}

// SetHoliday turns holiday mode on or off (admins): on, round robin does not run; off, the
// backlog is swept.
func (s *Service) SetHoliday(ctx context.Context, by string, on bool) (domain.SettingChange, error) {
	sweep := routing.TriggerKind(0)
	if !on {
		sweep = routing.TriggerHoliday
	}
	return s.presenceSetting(ctx, by, routing.SettingHoliday, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecideHoliday(w, by, on, at)
	}, func(c *config) error {
		c.settings.Holiday = on
		return nil
	}, sweep)
}

// SetAssignment sets how round robin picks: round_robin or balanced (admins).
func (s *Service) SetAssignment(ctx context.Context, by, mode string) (domain.SettingChange, error) {
	m, err := routing.ParseAssignment(mode)
	if err != nil {
		return domain.SettingChange{}, fromRouting(err)
	}
	return s.presenceSetting(ctx, by, routing.SettingAssignment, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecideAssignment(w, by, m, at)
	}, func(c *config) error {
		c.settings.Assignment = string(m)
		if m == routing.AssignRoundRobin {
			c.settings.Assignment = "" // the default
		}
		return nil
	}, 0)
}

// SetDefaultMaxOpen sets the capacity of operators without their own (admins; 0: no limit).
// A higher one gives room: the backlog is swept.
func (s *Service) SetDefaultMaxOpen(ctx context.Context, by string, n int) (domain.SettingChange, error) {
	return s.presenceSetting(ctx, by, routing.SettingMaxOpen, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecideMaxOpen(w, by, n, at)
	}, func(c *config) error {
		c.settings.DefaultMaxOpen = n
		return nil
	}, routing.TriggerCapacity)
}

// CapacityView is an operator's capacity: their open conversations and how many they may have.
type CapacityView struct {
	Operator string `json:"operator"`
	Name     string `json:"name"`
	Open     int    `json:"open"`
	// MaxOpen is the capacity in force (0: no limit); Own is their own, nil when the workspace
	// default applies.
	MaxOpen int  `json:"max_open"`
	Own     *int `json:"own,omitempty"`
}

// Capacity returns every operator's capacity, by id, and the workspace default.
func (s *Service) Capacity(ctx context.Context) (CapacityReport, error) {
	cfg := s.cfg.Load()
	out := CapacityReport{Default: cfg.settings.DefaultMaxOpen, Operators: []CapacityView{}}
	err := s.db.View(func(tx domain.ReadTx) error {
		for _, o := range cfg.ops {
			n, err := tx.Count(byAssignee(o.ID, "open"))
			if err != nil {
				return err
			}
			v := CapacityView{Operator: o.ID, Name: o.Name, Open: n, MaxOpen: cfg.settings.DefaultMaxOpen, Own: o.MaxOpen}
			if o.MaxOpen != nil {
				v.MaxOpen = *o.MaxOpen
			}
			out.Operators = append(out.Operators, v)
		}
		return nil
	})
	return out, readErr0(err)
}

// CapacityReport is the workspace default capacity and each operator's.
type CapacityReport struct {
	Default   int            `json:"default_max_open"`
	Operators []CapacityView `json:"operators"`
}

// HoursNow says whether the working hours are open at t, and when that changes next, for
// people: "open, closes 17:00 Europe/Berlin" / "closed, opens Mon 09:00 Europe/Berlin".
func hoursNow(st domain.Settings, t time.Time) (open bool, text string) {
	rs := toRoutingSettings(st)
	h := &rs.Hours
	switch {
	case rs.Holiday:
		return false, "holiday mode: round robin does not run until it is turned off"
	case !h.Set():
		return true, "always open"
	}
	loc := h.Loc
	if loc == nil {
		loc = time.UTC
	}
	if end, ok := h.NextClose(t); ok {
		return true, "open now, closes " + end.In(loc).Format("Mon 15:04") + " " + loc.String()
	}
	next, _ := h.NextOpen(t)
	return false, "closed now, opens " + next.In(loc).Format("Mon 15:04") + " " + loc.String()
}
