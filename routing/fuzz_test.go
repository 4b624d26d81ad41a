package routing

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fuzzInput reads a small workspace, contact and conversation out of fuzz bytes; when the bytes
// run out it reads zeros.
type fuzzInput struct {
	b []byte
	i int
}

func (f *fuzzInput) next() int {
	if f.i >= len(f.b) {
		return 0
	}
	f.i++
	return int(f.b[f.i-1])
}

func (f *fuzzInput) n(k int) int { return f.next() % k }

type fuzzCase struct {
	ws   *Workspace
	c    Contact
	conv Conversation
	ev   Inbound
	ids  []string // operator ids and a few that name nobody, to pick arguments from
	tms  []string // team ids and one that names no team
}

func buildFuzzCase(data []byte, text string) fuzzCase {
	f := &fuzzInput{b: data}
	var fc fuzzCase
	nOps := 1 + f.n(5)
	ops := make([]Operator, nOps)
	for i := range ops {
		ops[i] = Operator{ID: fmt.Sprintf("o%d", i), Name: fmt.Sprintf("Op %d", i),
			Role: []Role{RoleOperator, RoleAdmin}[f.n(2)], Status: []Presence{Online, Away, Offline}[f.n(3)]}
		if m := f.next(); m&0x10 != 0 {
			ops[i].HasMaxOpen, ops[i].MaxOpen = true, m%4
		}
		fc.ids = append(fc.ids, ops[i].ID)
	}
	fc.ids = append(fc.ids, "", Bot, "ghost")
	nTeams := 1 + f.n(3)
	teams := make([]Team, nTeams)
	for i := range teams {
		teams[i] = Team{ID: fmt.Sprintf("t%d", i), Name: fmt.Sprintf("Team %d", i)}
		mask, start := f.next(), f.n(nOps)
		for j := 0; j < nOps; j++ {
			if k := (start + j) % nOps; mask&(1<<k) != 0 {
				teams[i].Members = append(teams[i].Members, ops[k].ID)
			}
		}
		if mask&0x80 != 0 { // a member id that names nobody, and Bot
			teams[i].Members = append(teams[i].Members, "ghost", Bot)
		}
		fc.tms = append(fc.tms, teams[i].ID)
	}
	fc.tms = append(fc.tms, "t9")
	flags := f.next()
	s := Settings{Plan: []Plan{PlanGrowth, PlanPro, PlanBusiness}[f.n(3)], ContactOwnerRouting: flags&1 != 0, RoundRobin: flags&2 != 0,
		DefaultTeam: fc.tms[f.n(len(fc.tms))]}
	// the settings of routing that knows who is there, from the same bytes
	presence := f.next()
	if presence&1 != 0 {
		s.AwayWait = Wait{On: true, D: time.Duration(f.n(4)) * 7 * time.Minute}
	}
	if presence&2 != 0 {
		s.Hours.Loc = []*time.Location{nil, time.UTC, berlin, time.FixedZone("X", -13*3600)}[f.n(4)]
		for d := range s.Hours.Week {
			if m := f.next(); m&1 != 0 {
				from := f.n(24) * 60
				s.Hours.Week[d] = []Span{{From: from, To: min(24*60, from+1+f.n(12)*60)}}
			}
		}
	}
	s.Holiday = presence&4 != 0
	if presence&8 != 0 {
		s.Assignment = AssignBalanced
	}
	s.MaxOpen = (presence >> 4) % 4
	words := strings.Fields(text)
	for i := range f.n(4) {
		r := Rule{Name: fmt.Sprintf("r%d", i)}
		cond := f.next()
		if cond&1 != 0 {
			r.Channel = []Channel{ChannelMessage, ChannelCall, "fax"}[f.n(3)]
		}
		if cond&2 != 0 && len(words) > 0 {
			r.Keyword = words[f.n(len(words))]
		}
		if cond&4 != 0 {
			r.Tag = []string{"vip", "VIP", "b2b"}[f.n(3)]
		}
		switch f.n(4) {
		case 0:
			r.To = Target{Kind: TargetTeam, ID: fc.tms[f.n(len(fc.tms))]}
		case 1:
			r.To = Target{Kind: TargetOperator, ID: fc.ids[f.n(len(fc.ids))]}
		case 2:
			r.To = Target{Kind: TargetBot}
		default:
			r.To = Target{Kind: "nothing"}
		}
		s.Rules = append(s.Rules, r)
	}
	rr := map[string]RoundRobinState{}
	for _, t := range teams {
		st := RoundRobinState{Seq: uint64(f.next()), Last: map[string]uint64{}}
		for _, m := range t.Members {
			if v := uint64(f.n(8)); v != 0 {
				st.Last[m] = v
			}
		}
		rr[t.ID] = st
	}
	fc.ws = NewWorkspace(s, ops, teams, rr)
	for _, o := range ops {
		fc.ws.SetLoad(o.ID, f.n(5))
	}
	fc.c = Contact{ID: "15550199", Name: "Fuzz", Owner: fc.ids[f.n(len(fc.ids))]}
	if fc.c.Owner == Bot {
		fc.c.Owner = ""
	}
	if f.next()&1 != 0 {
		fc.c.Tags = []string{"vip"}
	}
	fc.conv = Conversation{Status: []Status{StatusNew, StatusOpen, StatusClosed}[f.n(3)]}
	if fc.conv.Status != StatusNew {
		fc.conv.Team = fc.tms[f.n(len(fc.tms)-1)]
		fc.conv.Assignee = fc.ids[f.n(len(fc.ids))]
		fc.conv.BotHold = fc.conv.Status == StatusOpen && fc.conv.Assignee == Bot && f.next()&1 != 0
		if f.next()%4 == 0 {
			target := fc.ids[f.n(nOps)]
			p := Prompt{Kind: []PromptKind{PromptInbound, PromptAssign, PromptOwner}[f.n(3)], Target: target, Team: fc.conv.Team,
				Choices: fc.ws.TeamsOf(target), RaisedBy: Routing}
			if p.Kind != PromptInbound {
				p.RaisedBy = fc.ids[f.n(nOps)]
			}
			fc.conv.Prompt = &p
		}
		if m := f.next(); m&3 == 1 {
			fc.conv.Cover = fc.c.Owner
		} else if m&3 == 2 {
			fc.conv.Cover = fc.ids[f.n(len(fc.ids))]
		}
		if fc.conv.Cover == fc.conv.Assignee || fc.conv.Assignee == "" {
			fc.conv.Cover = "" // a cover needs someone standing in
		}
		fc.conv.Backlog = fc.conv.Status == StatusOpen && fc.conv.Assignee == Bot && !fc.conv.BotHold && f.next()&1 != 0
	}
	at := t0.Add(time.Duration(f.next()*f.next()) * 17 * time.Minute) // any time of the week or two
	fc.ev = Inbound{Channel: ChannelMessage, Text: text, At: at}
	if f.next()&1 != 0 {
		fc.ev = Inbound{Channel: ChannelCall, At: at}
	}
	return fc
}

// fuzzCheck checks what every decision must satisfy, whatever the input.
func fuzzCheck(t *testing.T, fc fuzzCase, d, again Decision) {
	t.Helper()
	w := fc.ws
	if d.After != again.After || d.Reason != again.Reason || d.Rule != again.Rule || d.Pick != again.Pick || d.RaisePrompt != again.RaisePrompt ||
		d.ClearPrompt != again.ClearPrompt || d.Notify != again.Notify || d.Explain() != again.Explain() || fmt.Sprint(d.Prompt) != fmt.Sprint(again.Prompt) {
		t.Fatalf("invariant 7: %+v\n!=\n%+v", d, again)
	}
	if d.Explain() == "" {
		t.Fatalf("no explanation")
	}
	if n := d.Notes(); d.Changed() != (len(n) == 1) || (len(n) == 1 && (n[0].Text == "" || n[0].Reason != d.Code() || !knownCode(n[0].Reason))) {
		t.Fatalf("invariant 6: changed %v, notes %+v", d.Changed(), n)
	}
	// invariant 1 holds after the decision when it held before
	held := !w.IsHuman(fc.conv.Assignee) || w.InTeam(fc.conv.Assignee, fc.conv.Team)
	if held && w.IsHuman(d.After.Assignee) && !w.InTeam(d.After.Assignee, d.After.Team) {
		t.Fatalf("invariant 1: %s not in %s (%s)", d.After.Assignee, d.After.Team, d.Code())
	}
	if p := d.Pick; p.Operator != "" {
		o, ok := w.Operator(p.Operator)
		if !ok || o.Role != RoleOperator || o.Status != Online || !w.InTeam(p.Operator, p.Team) || d.After.Assignee != p.Operator {
			t.Fatalf("invariant 5: picked %+v", p)
		}
		if m := w.MaxOpen(p.Operator); m > 0 && w.Load(p.Operator) >= m {
			t.Fatalf("invariant 5 (amended): picked %s at capacity %d/%d", p.Operator, w.Load(p.Operator), m)
		}
		if w.Settings.ClosedAt(d.At) != closedNone {
			t.Fatalf("invariant 5 (amended): round robin ran outside hours at %v", d.At)
		}
	}
	if d.After.Backlog && (d.After.Assignee != Bot || d.After.Status != StatusOpen || d.After.BotHold) {
		t.Fatalf("backlog on %+v", d.After)
	}
	if d.After.Cover != "" && (d.After.Assignee == "" || d.After.Assignee == d.After.Cover) {
		t.Fatalf("a cover with nobody standing in: %+v", d.After)
	}
	if d.After.Cover != d.Before.Cover && d.After.Cover != "" && (!w.Settings.OwnerRoutingActive() || d.After.Cover != w.EffectiveOwner(fc.c)) {
		t.Fatalf("a new cover for %q, not the owner (%q) or with routing off", d.After.Cover, fc.c.Owner)
	}
	if !d.WaitUntil.IsZero() && (d.Reason != ReasonOwnerAwayWait || !d.WaitUntil.After(d.At) || d.WaitUntil.Sub(d.At) > MaxWait) {
		t.Fatalf("a wait until %v by %s", d.WaitUntil, d.Code())
	}
	if n := d.Notifications(); len(n) == 1 && strings.TrimSpace(n[0].Text) == "" {
		t.Fatalf("an empty notification")
	}
	if !w.Settings.OwnerRoutingActive() && d.After.Owner != d.Before.Owner && d.Kind != KindOwner && d.Kind != KindClearOwner && d.Kind != KindOperatorDeleted {
		t.Fatalf("invariant 3: %s changed the owner with routing off", d.Code())
	}
	if d.RaisePrompt && d.Prompt.Target == "" {
		t.Fatalf("prompt without a target")
	}
}

func FuzzDecideInbound(f *testing.F) {
	f.Add([]byte{}, "")
	f.Add([]byte{3, 1, 0, 2, 1, 0, 0xff, 0, 3, 2, 1, 1, 0, 0, 0, 1, 0, 1}, "I want a refund")
	f.Add([]byte{5, 4, 4, 4, 4, 4, 0x83, 1, 2, 0x07, 3, 1, 2, 1, 1, 0, 2, 9, 3, 1, 4, 0}, "Refund! order 42")
	f.Add([]byte{2, 0, 0, 0, 0, 3, 0, 2, 2, 3, 1, 1, 1, 0, 2, 1, 0, 0, 1, 1, 0, 0, 0}, "")
	f.Add([]byte{4, 1, 1, 1, 1, 1, 1, 1, 1, 0x8f, 0, 0x0f, 1, 2, 2, 0, 7, 0, 1, 2, 5, 3, 0, 1, 2, 0, 0}, "héllo wörld_x REFUND")
	f.Add([]byte{1, 0, 0, 1, 0, 1, 2, 1, 0, 0, 0, 0, 0, 2, 0, 1, 1, 0, 0, 4, 0}, "call me")
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		fc := buildFuzzCase(data, text)
		w := fc.ws
		d := DecideInbound(w, fc.c, fc.conv, fc.ev)
		fuzzCheck(t, fc, d, DecideInbound(w, fc.c, fc.conv, fc.ev))
		if d.After.Status != StatusOpen || d.After.Team == "" {
			t.Fatalf("inbound left %+v", d.After)
		}
		waiting := fc.conv.Status == StatusOpen && fc.conv.Prompt != nil
		if waiting && (d.Changed() || d.RaisePrompt) {
			t.Fatalf("a waiting prompt did not keep the conversation: %s %+v", d.Code(), d.After)
		}
		if w.Settings.OwnerRoutingActive() && w.IsHuman(d.After.Assignee) && !waiting && d.After.Owner != d.After.Assignee &&
			!(d.After.Covering() && d.After.Cover == d.After.Owner) {
			t.Fatalf("invariant 2: owner %q, assignee %q (%s)", d.After.Owner, d.After.Assignee, d.Code())
		}
		// calls route like messages unless a rule looks at the channel or the text
		if !waiting && len(w.Settings.Rules) == 0 {
			other := fc.ev
			if other.Channel == ChannelCall {
				other = Inbound{Channel: ChannelMessage, Text: text, At: t0}
			} else {
				other = Inbound{Channel: ChannelCall, At: t0}
			}
			o := DecideInbound(w, fc.c, fc.conv, other)
			if o.After != d.After || o.Code() != d.Code() || o.Pick != d.Pick {
				t.Fatalf("call and message differ: %s %+v / %s %+v", d.Code(), d.After, o.Code(), o.After)
			}
		}
	})
}

// FuzzDecideActions runs a person's actions and prompt answers on fuzz-built state.
func FuzzDecideActions(f *testing.F) {
	f.Add([]byte{}, uint8(0), uint8(0), uint8(0))
	f.Add([]byte{3, 1, 0, 2, 1, 0, 0xff, 0, 3, 2, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0}, uint8(1), uint8(2), uint8(0))
	f.Add([]byte{4, 1, 1, 1, 1, 1, 1, 1, 1, 0x8f, 0, 0x0f, 1, 2, 2, 0, 7, 0, 1, 2, 5, 3, 0, 1, 2, 0, 0}, uint8(4), uint8(1), uint8(3))
	f.Add([]byte{2, 0, 1, 3, 0, 3, 0, 2, 2, 3, 1, 1, 1, 0, 2, 1, 2, 0, 1, 1, 0, 0, 0, 4}, uint8(3), uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, action, arg, actor uint8) {
		fc := buildFuzzCase(data, "refund please")
		w := fc.ws
		by := fc.ids[int(actor)%len(fc.ids)]
		id := fc.ids[int(arg)%len(fc.ids)]
		tm := fc.tms[int(arg)%len(fc.tms)]
		var d, again Decision
		var err, err2 error
		switch action % 10 {
		case 0:
			d, err = DecideAssign(w, by, fc.c, fc.conv, id, t0)
			again, err2 = DecideAssign(w, by, fc.c, fc.conv, id, t0)
		case 1:
			d, err = DecideOwner(w, by, fc.c, fc.conv, id, t0)
			again, err2 = DecideOwner(w, by, fc.c, fc.conv, id, t0)
		case 2:
			d, err = DecideTeam(w, by, fc.c, fc.conv, tm, t0)
			again, err2 = DecideTeam(w, by, fc.c, fc.conv, tm, t0)
		case 3, 4:
			accept := action%8 == 3
			if arg&0x80 != 0 {
				tm = ""
			}
			d, err = DecideAnswer(w, by, fc.c, fc.conv, accept, tm, t0)
			again, err2 = DecideAnswer(w, by, fc.c, fc.conv, accept, tm, t0)
		case 5:
			d, err = DecideClose(w, by, fc.c, fc.conv, arg&1 != 0, t0)
			again, err2 = DecideClose(w, by, fc.c, fc.conv, arg&1 != 0, t0)
		case 6:
			d = DecideMemberRemoved(w, fc.c, fc.conv, id, tm, t0)
			again = DecideMemberRemoved(w, fc.c, fc.conv, id, tm, t0)
		case 7:
			d = DecideOperatorDeleted(w, fc.c, fc.conv, id, t0)
			again = DecideOperatorDeleted(w, fc.c, fc.conv, id, t0)
		case 8: // a backlog sweep reaches the conversation
			tr := []Trigger{{Kind: TriggerKind(1 + arg%8), Operator: id}, {Kind: TriggerKind(1 + actor%8)}}
			d = DecideBacklog(w, fc.c, fc.conv, tr, fc.ev.At.Add(-time.Hour), fc.ev.At)
			again = DecideBacklog(w, fc.c, fc.conv, tr, fc.ev.At.Add(-time.Hour), fc.ev.At)
			if d.Changed() && (d.Reason != ReasonRoundRobinBacklog || !fc.conv.InBacklog() || d.Pick.Operator == "" || d.After.Backlog) {
				t.Fatalf("backlog decision %s on %+v: %+v", d.Code(), fc.conv, d.After)
			}
		default: // the owner-away wait runs out
			facts := AwayFacts{Owner: fc.c.Owner, Replied: arg&1 != 0, Changed: arg&2 != 0}
			d = DecideAwayTimer(w, fc.c, fc.conv, facts, fc.ev.At)
			again = DecideAwayTimer(w, fc.c, fc.conv, facts, fc.ev.At)
			b, a := d.Before, d.After
			if a.Owner != b.Owner || a.Team != b.Team || a.Status != b.Status || d.RaisePrompt || d.ClearPrompt {
				t.Fatalf("invariant 8: the timer changed more than its row: %+v -> %+v", b, a)
			}
			if d.Changed() && (facts.Replied || facts.Changed || d.Reason != ReasonOwnerAwayFallback) {
				t.Fatalf("invariant 8: the timer covered after %+v: %s %+v", facts, d.Code(), a)
			}
		}
		if (err == nil) != (err2 == nil) {
			t.Fatalf("invariant 7: %v / %v", err, err2)
		}
		if err != nil {
			if _, ok := err.(*Refusal); !ok || err.Error() == "" {
				t.Fatalf("not a refusal: %#v", err)
			}
			return
		}
		fuzzCheck(t, fc, d, again)
		if w.Settings.OwnerRoutingActive() && !d.RaisePrompt && w.IsHuman(d.After.Assignee) && d.After.Assignee != d.Before.Assignee &&
			(d.Kind == KindAssign || d.Kind == KindOwner) && d.After.Owner != d.After.Assignee && !d.After.Covering() {
			t.Fatalf("invariant 2: %s left owner %q, assignee %q", d.Code(), d.After.Owner, d.After.Assignee)
		}
	})
}

// FuzzPresenceInput feeds what people type for the new settings to their parsers: a refusal
// names the input and says what to give, an accepted value round-trips through its text.
func FuzzPresenceInput(f *testing.F) {
	for _, seed := range []string{"mon-fri", "sat,sun", "09:00-17:00", "24:00-00:00", "10m", "0", "off", "1h30m", "-5s", "mon-", "99:99-99:99",
		"fri-mon", "\x1b[31m", "8", "-1", "10001", "balanced", "9:5-10:00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		check := func(err error) {
			if err == nil {
				return
			}
			if !IsRefusal(err, Invalid) || !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) && !strings.Contains(err.Error(), "overlap") {
				t.Fatalf("%q: %v", in, err)
			}
		}
		if days, err := ParseDays(in); err == nil {
			if len(days) == 0 || len(days) > 7 {
				t.Fatalf("ParseDays(%q) = %v", in, days)
			}
		} else {
			check(err)
		}
		if sp, err := ParseSpan(in); err == nil {
			if sp.From < 0 || sp.To > 24*60 || sp.From >= sp.To {
				t.Fatalf("ParseSpan(%q) = %v", in, sp)
			}
			if again, err := ParseSpan(sp.String()); err != nil || again != sp {
				t.Fatalf("ParseSpan(%q) = %v does not read back: %v %v", in, sp, again, err)
			}
		} else {
			check(err)
		}
		if v, err := ParseWait(in); err == nil {
			if v.On && (v.D < 0 || v.D > MaxWait) {
				t.Fatalf("ParseWait(%q) = %v", in, v)
			}
			if again, err := ParseWait(v.String()); err != nil || again != v {
				t.Fatalf("ParseWait(%q) = %v does not read back: %v %v", in, v, again, err)
			}
		} else {
			check(err)
		}
		if n, err := ParseCapacity(in); err == nil && (n < 0 || n > MaxCapacity) {
			t.Fatalf("ParseCapacity(%q) = %d", in, n)
		}
		if _, err := ParseAssignment(in); err != nil && !IsRefusal(err, Invalid) {
			t.Fatalf("ParseAssignment(%q): %v", in, err)
		}
	})
}

// FuzzHours checks fuzzed working hours at fuzzed times: the next start is after the time and
// open, the time just before it is closed, and open times have an end.
func FuzzHours(f *testing.F) {
	f.Add([]byte{1, 9, 8, 0, 1, 2, 3, 4}, int64(0))
	f.Add([]byte{2, 0, 24, 1, 22, 2, 0xff}, int64(1742000000))
	f.Fuzz(func(t *testing.T, data []byte, unix int64) {
		in := &fuzzInput{b: data}
		h := Hours{Loc: []*time.Location{nil, berlin, time.FixedZone("Y", 5*3600+1800)}[in.n(3)]}
		for d := range h.Week {
			if in.next()&1 != 0 {
				from := in.n(24) * 60
				h.Week[d] = []Span{{From: from, To: min(24*60, from+1+in.n(24)*60)}}
			}
		}
		at := time.Unix(unix%(400*365*24*3600), 0)
		next, ok := h.NextOpen(at)
		if ok != h.Set() {
			t.Fatalf("NextOpen ok %v, hours set %v", ok, h.Set())
		}
		if ok && (!next.After(at) || !h.OpenAt(next) || next.Sub(at) > 8*24*time.Hour) {
			t.Fatalf("NextOpen(%v) = %v (open %v) for %s", at, next, h.OpenAt(next), h.String())
		}
		if end, ok := h.NextClose(at); ok && (!end.After(at) || !h.OpenAt(at)) {
			t.Fatalf("NextClose(%v) = %v for %s", at, end, h.String())
		}
		if h.String() == "" {
			t.Fatalf("no text for hours")
		}
	})
}
