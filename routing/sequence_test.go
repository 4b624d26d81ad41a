package routing

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	seqSeed  = flag.Uint64("seq.seed", 0, "run TestSequences with this one seed only")
	seqSeeds = flag.Int("seq.seeds", 30, "number of seeds TestSequences runs")
	seqSteps = flag.Int("seq.steps", 600, "steps per seed in TestSequences")
)

// TestSequences builds random workspaces, runs random sequences of events, actions, prompt
// answers, status changes, toggle flips and team changes against a small in-memory inbox, and
// checks the invariants of the routing contract after every step. A failure names the seed;
// rerun it with -seq.seed=N.
func TestSequences(t *testing.T) {
	seeds := make([]uint64, 0, *seqSeeds)
	if *seqSeed != 0 {
		seeds = append(seeds, *seqSeed)
	} else {
		for i := range *seqSeeds {
			seeds = append(seeds, uint64(i+1)*0x9e3779b97f4a7c15)
		}
	}
	steps := 0
	codes := map[string]int{}
	for _, seed := range seeds {
		w := newWorld(t, seed)
		w.codes = codes
		for i := 0; i < *seqSteps; i++ {
			w.step(i)
			steps++
		}
		if w.decisions == 0 {
			t.Fatalf("seed %d: no decisions were made", seed)
		}
	}
	t.Logf("%d seeds, %d steps, decisions by code: %v", len(seeds), steps, codes)
	if *seqSeed == 0 && *seqSeeds*(*seqSteps) >= 10000 {
		// the generator reaches every kind of decision
		for _, code := range []string{"active_assignee", "owner", "owner_team_mismatch", "round_robin", "default", "prompt_accepted",
			"prompt_declined", "manual_assign", "manual_owner", "team_change", "member_removed", "operator_deleted", "closed",
			"reopened", "kept", "rule", "pick", "notify", "bot_hold_kept",
			"owner_away", "owner_away_wait", "owner_away_fallback", "outside_hours", "round_robin_backlog", "balanced", "cover_ended",
			"timer_dropped", "hours_timer", "cover_kept", "cover_began", "capacity_skip"} {
			if codes[code] == 0 {
				t.Errorf("no %q decision in %d steps", code, steps)
			}
		}
	}
}

var (
	seqWords = []string{"refund", "order", "hello", "Help", "URGENT", "refunds", "ok"}
	seqTags  = []string{"vip", "VIP", "new", "b2b"}
)

// world is the in-memory inbox the sequence test drives.
type world struct {
	t    *testing.T
	rng  *rand.Rand
	seed uint64
	now  time.Time

	settings Settings
	ops      []Operator
	teams    []Team
	ws       *Workspace
	nextOp   int

	contacts map[string]Contact
	convs    map[string]Conversation
	notes    map[string][]Note
	ids      []string

	stepNo    int
	what      string // the current step, for failure messages
	decisions int
	codes     map[string]int // decisions by reason code, and a few other events, for coverage

	// what the inbox keeps beside the conversations: last activity (the backlog's order),
	// a version that changes with every routing change, when someone last replied, the
	// durable timers, and the teams whose backlog must be swept at the end of the step
	last     map[string]time.Time
	versions map[string]int
	replied  map[string]time.Time
	timers   []seqTimer
	fired    map[seqTimer]bool
	pending  map[string][]Trigger
}

// seqTimer is a durable timer of the world: an owner-away wait (for contact id, armed at the
// conversation's version, for the owner, by the event at since) or the start of working hours.
type seqTimer struct {
	due     time.Time
	kind    string // "away" or "hours"
	id      string
	owner   string
	version int
	since   time.Time
}

func (w *world) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("seed %d step %d (%s): %s", w.seed, w.stepNo, w.what, fmt.Sprintf(format, args...))
}

func (w *world) pick(n int) int        { return w.rng.IntN(n) }
func (w *world) chance(p float64) bool { return w.rng.Float64() < p }

func newWorld(t *testing.T, seed uint64) *world {
	w := &world{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x5bd1e995)), now: t0,
		contacts: map[string]Contact{}, convs: map[string]Conversation{}, notes: map[string][]Note{},
		last: map[string]time.Time{}, versions: map[string]int{}, replied: map[string]time.Time{}, fired: map[seqTimer]bool{},
		pending: map[string][]Trigger{}}
	for range 3 + w.pick(6) {
		w.hire()
	}
	for i := range 1 + w.pick(4) {
		tm := Team{ID: fmt.Sprintf("t%d", i), Name: fmt.Sprintf("Team%d", i)}
		for _, j := range w.rng.Perm(len(w.ops)) {
			if w.chance(0.5) {
				tm.Members = append(tm.Members, w.ops[j].ID)
			}
		}
		w.teams = append(w.teams, tm)
	}
	plans := []Plan{PlanGrowth, PlanPro, PlanBusiness, PlanBusiness, PlanBusiness}
	w.settings = Settings{Plan: plans[w.pick(len(plans))], ContactOwnerRouting: w.chance(0.7), RoundRobin: w.chance(0.75),
		DefaultTeam: w.teams[w.pick(len(w.teams))].ID}
	w.settings.AwayWait = w.randomWait()
	if w.chance(0.35) {
		w.settings.Hours = w.randomHours()
	}
	w.settings.Holiday = w.chance(0.05)
	if w.chance(0.4) {
		w.settings.Assignment = AssignBalanced
	}
	if w.chance(0.35) {
		w.settings.MaxOpen = 1 + w.pick(4)
	}
	for i := range w.pick(4) {
		r := Rule{Name: fmt.Sprintf("r%d", i)}
		if w.chance(0.4) {
			r.Channel = []Channel{ChannelMessage, ChannelCall}[w.pick(2)]
		}
		if w.chance(0.5) {
			r.Keyword = seqWords[w.pick(len(seqWords))]
		}
		if w.chance(0.4) {
			r.Tag = seqTags[w.pick(len(seqTags))]
		}
		switch w.pick(5) {
		case 0, 1:
			r.To = Target{Kind: TargetTeam, ID: fmt.Sprintf("t%d", w.pick(len(w.teams)+1))} // sometimes missing
		case 2, 3:
			id := "ghost"
			if w.chance(0.85) {
				id = w.ops[w.pick(len(w.ops))].ID
			}
			r.To = Target{Kind: TargetOperator, ID: id}
		default:
			r.To = Target{Kind: TargetBot}
		}
		w.settings.Rules = append(w.settings.Rules, r)
	}
	for i := range 4 + w.pick(7) {
		id := fmt.Sprintf("1555000%02d", i)
		c := Contact{ID: id, Name: "C" + id[len(id)-2:]}
		if w.chance(0.5) {
			c.Owner = w.randomOpOr("zed")
		}
		for _, tg := range seqTags {
			if w.chance(0.25) {
				c.Tags = append(c.Tags, tg)
			}
		}
		w.contacts[id] = c
		w.ids = append(w.ids, id)
	}
	w.rebuild(nil)
	return w
}

func (w *world) hire() {
	id := fmt.Sprintf("o%d", w.nextOp)
	w.nextOp++
	role := RoleOperator
	if w.chance(0.25) {
		role = RoleAdmin
	}
	o := Operator{ID: id, Name: "Op" + id[1:], Role: role, Status: []Presence{Online, Online, Away, Offline}[w.pick(4)]}
	if w.chance(0.3) {
		o.HasMaxOpen, o.MaxOpen = true, w.pick(3)
	}
	w.ops = append(w.ops, o)
}

func (w *world) randomWait() Wait {
	switch w.pick(5) {
	case 0:
		return Wait{}
	case 1, 2:
		return Wait{On: true}
	}
	return Wait{On: true, D: time.Duration(1+w.pick(90)) * time.Minute}
}

// randomHours are working hours in one of a few zones: some days with one or two ranges.
func (w *world) randomHours() Hours {
	zones := []*time.Location{time.UTC, berlin, mustZone("America/New_York"), mustZone("Asia/Kolkata")}
	h := Hours{Loc: zones[w.pick(len(zones))]}
	for d := range h.Week {
		switch w.pick(4) {
		case 0:
		case 1:
			from := w.pick(20) * 60
			h.Week[d] = []Span{{From: from, To: from + 30 + w.pick(8*60)}}
		default:
			h.Week[d] = []Span{{From: 8 * 60, To: 12 * 60}, {From: 13 * 60, To: 13*60 + 30 + w.pick(10*60)}}
		}
	}
	return h
}

// randomOpOr returns a random operator id, or other when there is none (or sometimes anyway).
func (w *world) randomOpOr(other string) string {
	if len(w.ops) == 0 || w.chance(0.1) {
		return other
	}
	return w.ops[w.pick(len(w.ops))].ID
}

// rebuild makes a new workspace from the world's configuration, carrying round-robin memory.
func (w *world) rebuild(old *Workspace) {
	var rr map[string]RoundRobinState
	if old != nil {
		rr = map[string]RoundRobinState{}
		for _, tm := range old.Teams() {
			rr[tm.ID] = old.RoundRobin(tm.ID)
		}
	}
	w.ws = NewWorkspace(w.settings, w.ops, w.teams, rr)
	if old != nil {
		for id, n := range old.Loads() {
			w.ws.SetLoad(id, n)
		}
	}
	if old != nil {
		for _, tm := range w.teams {
			a, b := old.RoundRobin(tm.ID), w.ws.RoundRobin(tm.ID)
			// members that left take their memory with them
			for id := range a.Last {
				if !slices.Contains(tm.Members, id) {
					delete(a.Last, id)
				}
			}
			if !reflect.DeepEqual(a, b) {
				w.fatalf("round-robin memory of %s lost in rebuild: %+v -> %+v", tm.ID, a, b)
			}
		}
	}
}

// snapshot is what invariants 3, 4 and 6 compare across a step.
type snapshot struct {
	contacts map[string]Contact
	convs    map[string]Conversation
	notes    map[string]int
	rr       map[string]RoundRobinState
}

func (w *world) snap() snapshot {
	s := snapshot{contacts: maps.Clone(w.contacts), convs: map[string]Conversation{}, notes: map[string]int{}, rr: map[string]RoundRobinState{}}
	for id, c := range w.convs {
		if c.Prompt != nil {
			p := *c.Prompt
			c.Prompt = &p
		}
		s.convs[id] = c
	}
	for id, n := range w.notes {
		s.notes[id] = len(n)
	}
	for _, tm := range w.ws.Teams() {
		s.rr[tm.ID] = w.ws.RoundRobin(tm.ID)
	}
	return s
}

func (w *world) step(i int) {
	w.stepNo = i
	w.what = "a minute passes"
	w.now = w.now.Add(time.Minute)
	w.fire() // the timer loop fires what came due
	w.flush()
	w.checkWorld(w.snap(), true, false)
	before := w.snap()
	routingOn := w.ws.Settings.OwnerRoutingActive()
	ownerEdit := false
	switch k := w.pick(120); {
	case k < 32:
		w.inbound()
	case k < 42:
		w.assign()
	case k < 50:
		ownerEdit = w.owner()
	case k < 56:
		w.team()
	case k < 64:
		w.close()
	case k < 75:
		w.answer()
	case k < 81:
		w.status()
	case k < 88:
		w.toggle(before)
	case k < 92:
		w.removeMember()
	case k < 97:
		w.addMember()
	case k < 99:
		w.hire()
		w.what = "hire " + w.ops[len(w.ops)-1].ID
		w.rebuild(w.ws)
	case k < 100:
		ownerEdit = w.deleteOperator()
	case k < 106:
		w.advance()
	case k < 110:
		w.reply()
	default:
		w.presenceSetting(before)
	}
	w.flush()
	w.checkWorld(before, routingOn || w.ws.Settings.OwnerRoutingActive(), ownerEdit)
}

// teamsOf returns the ids of the teams an operator is in.
func (w *world) teamsOf(op string) []string {
	var out []string
	for _, tm := range w.teams {
		if slices.Contains(tm.Members, op) {
			out = append(out, tm.ID)
		}
	}
	return out
}

func (w *world) allTeams() []string {
	out := make([]string, len(w.teams))
	for i, tm := range w.teams {
		out[i] = tm.ID
	}
	return out
}

// mark asks for the backlogs of the teams to be swept at the end of the step.
func (w *world) mark(tr Trigger, teams ...string) {
	for _, tm := range teams {
		w.pending[tm] = append(w.pending[tm], tr)
	}
}

// flush sweeps every team marked: round robin gives its backlog, oldest first, to candidates
// while there are any.
func (w *world) flush() {
	for len(w.pending) > 0 {
		teams := slices.Sorted(maps.Keys(w.pending))
		tm := teams[0]
		tr := w.pending[tm]
		delete(w.pending, tm)
		w.sweep(tm, tr)
	}
}

func (w *world) sweep(team string, tr []Trigger) {
	if w.ws.Settings.ClosedAt(w.now) == ClosedHours {
		w.armHours(w.now) // a candidate may be there when the hours start
	}
	var backlog []string
	for _, id := range w.ids {
		if c := w.convs[id]; c.InBacklog() && c.Team == team {
			backlog = append(backlog, id)
		}
	}
	slices.SortFunc(backlog, func(a, b string) int {
		if c := w.last[a].Compare(w.last[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, id := range backlog {
		c, conv := w.contacts[id], w.convs[id]
		w.what = fmt.Sprintf("backlog sweep of %s (%v) takes %s %+v", team, tr, id, conv)
		d := DecideBacklog(w.ws, c, conv, tr, w.last[id], w.now)
		w.same(d, DecideBacklog(w.ws, c, conv, tr, w.last[id], w.now))
		if !d.Changed() {
			if w.ws.HasCandidate(team, w.now) {
				w.fatalf("the sweep stopped while %s has a candidate", team)
			}
			return
		}
		if d.Reason != ReasonRoundRobinBacklog || !w.ws.IsHuman(d.After.Assignee) || d.After.Backlog || d.After.Team != team ||
			d.After.Status != StatusOpen || (!w.ws.Settings.OwnerRoutingActive() && d.After.Owner != d.Before.Owner) {
			w.fatalf("backlog decision %s %+v", d.Code(), d.After)
		}
		w.apply(id, d)
	}
}

// armHours arms the timer of the next start of working hours after t.
func (w *world) armHours(t time.Time) {
	if next, ok := w.ws.Settings.Hours.NextOpen(t); ok {
		tm := seqTimer{due: next, kind: "hours"}
		if !slices.Contains(w.timers, tm) {
			w.timers = append(w.timers, tm)
		}
	}
}

// fire runs the timers that are due, earliest first, each once (invariant 8).
func (w *world) fire() {
	for {
		slices.SortStableFunc(w.timers, func(a, b seqTimer) int { return a.due.Compare(b.due) })
		if len(w.timers) == 0 || w.timers[0].due.After(w.now) {
			return
		}
		tm := w.timers[0]
		w.timers = w.timers[1:]
		if w.fired[tm] {
			w.fatalf("invariant 8: timer %+v fired twice", tm)
		}
		w.fired[tm] = true
		switch tm.kind {
		case "hours":
			w.what = fmt.Sprintf("working hours start (%v)", tm.due)
			w.codes["hours_timer"]++
			w.mark(Trigger{Kind: TriggerHours}, w.allTeams()...)
		case "away":
			c, conv := w.contacts[tm.id], w.convs[tm.id]
			r, ok := w.replied[tm.id]
			f := AwayFacts{Owner: tm.owner, Replied: ok && !r.Before(tm.since), Changed: w.versions[tm.id] != tm.version}
			w.what = fmt.Sprintf("the wait for %s on %s runs out (%+v) %+v", tm.owner, tm.id, f, conv)
			d := DecideAwayTimer(w.ws, c, conv, f, w.now)
			w.same(d, DecideAwayTimer(w.ws, c, conv, f, w.now))
			if d.At.Before(tm.due) {
				w.fatalf("invariant 8: fired before its time")
			}
			b, a := d.Before, d.After
			if a.Owner != b.Owner || a.Team != b.Team || a.Status != b.Status || a.BotHold != b.BotHold || d.RaisePrompt || d.ClearPrompt {
				w.fatalf("invariant 8: the timer changed more than its row: %+v -> %+v", b, a)
			}
			if d.Reason == ReasonKept {
				w.codes["timer_dropped"]++
				if d.Changed() {
					w.fatalf("a dropped timer changed %+v", a)
				}
			} else if f.Changed || f.Replied || a.Cover != tm.owner {
				w.fatalf("invariant 8: the timer covered %+v after %+v", a, f)
			}
			w.apply(tm.id, d)
		}
	}
}

// advance moves the clock on by a while: what came due fires.
func (w *world) advance() {
	dt := []time.Duration{time.Minute, 7 * time.Minute, 30 * time.Minute, 2 * time.Hour, 9 * time.Hour, 26 * time.Hour}[w.pick(6)]
	w.what = fmt.Sprintf("%v pass", dt)
	w.now = w.now.Add(dt)
	w.fire()
}

// reply is a person answering the customer: no routing, but an away-wait sees it.
func (w *world) reply() {
	id, _, conv := w.randomContact()
	w.what = "reply on " + id
	if conv.Status == StatusOpen {
		w.replied[id] = w.now
	}
}

// presenceSetting changes one of the settings of routing that knows who is there.
func (w *world) presenceSetting(before snapshot) {
	actor := w.randomOpOr("zed")
	var ch, ch2 SettingChange
	var err, err2 error
	next := w.settings
	switch w.pick(6) {
	case 0:
		v := w.randomWait()
		w.what = fmt.Sprintf("%s sets the away wait %v", actor, v)
		ch, err = DecideAwayWait(w.ws, actor, v, w.now)
		ch2, err2 = DecideAwayWait(w.ws, actor, v, w.now)
		next.AwayWait = v
	case 1:
		h := Hours{}
		if w.chance(0.7) {
			h = w.randomHours()
		}
		w.what = fmt.Sprintf("%s sets hours %s", actor, h.String())
		ch, err = DecideHours(w.ws, actor, h, w.now)
		ch2, err2 = DecideHours(w.ws, actor, h, w.now)
		next.Hours = h
	case 2:
		on := w.chance(0.2)
		w.what = fmt.Sprintf("%s turns holiday %v", actor, on)
		ch, err = DecideHoliday(w.ws, actor, on, w.now)
		ch2, err2 = DecideHoliday(w.ws, actor, on, w.now)
		next.Holiday = on
	case 3:
		mode := []Assignment{AssignRoundRobin, AssignBalanced}[w.pick(2)]
		w.what = fmt.Sprintf("%s sets assignment %s", actor, mode)
		ch, err = DecideAssignment(w.ws, actor, mode, w.now)
		ch2, err2 = DecideAssignment(w.ws, actor, mode, w.now)
		next.Assignment = mode
	case 4:
		n := w.pick(4)
		w.what = fmt.Sprintf("%s sets the default capacity %d", actor, n)
		ch, err = DecideMaxOpen(w.ws, actor, n, w.now)
		ch2, err2 = DecideMaxOpen(w.ws, actor, n, w.now)
		next.MaxOpen = n
	default:
		if len(w.ops) == 0 {
			return
		}
		i := w.pick(len(w.ops))
		n, has := w.pick(3), w.chance(0.6)
		w.what = fmt.Sprintf("%s sets %s's capacity %d (%v)", actor, w.ops[i].ID, n, has)
		ch, err = DecideOperatorMaxOpen(w.ws, actor, w.ops[i].ID, n, has, w.now)
		ch2, err2 = DecideOperatorMaxOpen(w.ws, actor, w.ops[i].ID, n, has, w.now)
		if err == nil {
			w.ops[i].MaxOpen, w.ops[i].HasMaxOpen = n, has
			w.rebuild(w.ws)
			w.mark(Trigger{Kind: TriggerCapacity, Operator: w.ops[i].ID}, w.teamsOf(w.ops[i].ID)...)
		}
	}
	if (err == nil) != (err2 == nil) || ch != ch2 {
		w.fatalf("invariant 7: settings decision differs: %+v/%v vs %+v/%v", ch, err, ch2, err2)
	}
	if !w.ws.IsAdmin(actor) && !IsRefusal(err, Forbidden) {
		w.fatalf("non-admin %s changed a setting: %v", actor, err)
	}
	if err != nil {
		return
	}
	if ch.By != actor || !ch.At.Equal(w.now) {
		w.fatalf("change not recorded: %+v", ch)
	}
	if !strings.HasPrefix(string(ch.Key), string(SettingOperatorMaxOpen)) {
		w.settings = next
		w.rebuild(w.ws)
	}
	// the change itself changes no conversation (what a sweep does after it is its own)
	if after := w.snap(); !reflect.DeepEqual(before, after) {
		w.fatalf("a settings change touched conversations, contacts, notes or round robin")
	}
	switch ch.Key {
	case SettingHours:
		w.mark(Trigger{Kind: TriggerHoursChanged}, w.allTeams()...)
	case SettingHoliday, SettingMaxOpen, SettingAssignment:
		w.mark(Trigger{Kind: TriggerSettings}, w.allTeams()...)
	}
	if ch.Key == SettingHoliday && ch.To == "off" {
		w.mark(Trigger{Kind: TriggerHoliday}, w.allTeams()...)
	}
}

func (w *world) randomContact() (string, Contact, Conversation) {
	id := w.ids[w.pick(len(w.ids))]
	return id, w.contacts[id], w.convs[id]
}

// covered returns the ids of the conversations whose record names a cover and that match keep:
// the generator visits them more often, so that covers end in every way.
func (w *world) covered(keep func(Conversation) bool) []string {
	var out []string
	for _, id := range w.ids {
		if cv := w.convs[id]; cv.Cover != "" && keep(cv) {
			out = append(out, id)
		}
	}
	return out
}

// biased picks one of ids with probability p, else a random contact.
func (w *world) biased(ids []string, p float64) (string, Contact, Conversation) {
	if len(ids) > 0 && w.chance(p) {
		id := ids[w.pick(len(ids))]
		return id, w.contacts[id], w.convs[id]
	}
	return w.randomContact()
}

func (w *world) inbound() {
	closedCovers := w.covered(func(cv Conversation) bool {
		return cv.Status == StatusClosed && State{Assignee: cv.Assignee, Cover: cv.Cover}.Covering()
	})
	back := slices.DeleteFunc(slices.Clone(closedCovers), func(x string) bool {
		o, _ := w.ws.Operator(w.convs[x].Cover)
		return o.Status != Online
	})
	id, c, conv := w.biased(back, 0.6) // the owner is back and the customer writes again
	if len(back) == 0 {
		id, c, conv = w.biased(closedCovers, 0.3)
	}
	if len(closedCovers) == 0 && w.chance(0.5) { // a contact whose owner is away: owner-away routing, covers
		var away []string
		for _, x := range w.ids {
			team := w.convs[x].Team
			if team == "" {
				team = w.ws.Settings.DefaultTeam
			}
			if o, ok := w.ws.Operator(w.ws.EffectiveOwner(w.contacts[x])); ok && o.Status != Online && w.convs[x].Status != StatusOpen &&
				w.ws.HasCandidate(team, w.now) && w.ws.InTeam(o.ID, team) && w.ws.Settings.OwnerRoutingActive() && w.ws.Settings.AwayWait.On {
				away = append(away, x) // and someone could cover
			}
		}
		id, c, conv = w.biased(away, 1)
	}
	ev := Inbound{Channel: ChannelCall, At: w.now}
	if w.chance(0.7) {
		ev.Channel = ChannelMessage
		var words []string
		for range w.pick(4) {
			words = append(words, seqWords[w.pick(len(seqWords))])
		}
		ev.Text = strings.Join(words, " ")
	}
	w.what = fmt.Sprintf("inbound %s %q on %s %+v owner %q", ev.Channel, ev.Text, id, conv, c.Owner)
	d := DecideInbound(w.ws, c, conv, ev)
	w.same(d, DecideInbound(w.ws, c, conv, ev))
	if d.Kind != KindInbound || d.After.Status != StatusOpen {
		w.fatalf("inbound left %+v", d.After)
	}
	if conv.Prompt != nil && conv.Status == StatusOpen && (d.Changed() || d.Reason != ReasonKept) {
		w.fatalf("an event on a conversation with a waiting prompt changed it: %s %+v", d.Code(), d.After)
	}
	if d.RaisePrompt && (d.Prompt.Kind != PromptInbound || d.Prompt.RaisedBy != Routing || d.After.Assignee != "") {
		w.fatalf("inbound prompt %+v, after %+v", d.Prompt, d.After)
	}
	// invariant 2 (amended): routing on, a human assignee after an inbound event owns the
	// contact unless they are a cover (a waiting prompt keeps everything as it was, by contract)
	waiting := conv.Prompt != nil && conv.Status == StatusOpen
	if w.ws.Settings.OwnerRoutingActive() && w.ws.IsHuman(d.After.Assignee) && !waiting && d.After.Owner != d.After.Assignee &&
		!(d.After.Covering() && d.After.Cover == d.After.Owner) {
		w.fatalf("invariant 2: inbound left owner %q, assignee %q", d.After.Owner, d.After.Assignee)
	}
	if d.After.Covering() && w.ws.Settings.OwnerRoutingActive() && d.After.Cover != w.ws.EffectiveOwner(c) {
		w.fatalf("a cover for %q, who is not the owner %q", d.After.Cover, c.Owner)
	}
	if d.After.Cover != d.Before.Cover && d.After.Cover != "" && !w.ws.Settings.OwnerRoutingActive() {
		w.fatalf("a cover with routing off: %+v", d.After)
	}
	if d.Reason == ReasonActiveAssignee && d.After.Covering() {
		w.codes["cover_kept"]++
	}
	if !d.WaitUntil.IsZero() && (d.Reason != ReasonOwnerAwayWait || !d.WaitUntil.After(ev.At)) {
		w.fatalf("a wait until %v from %s", d.WaitUntil, d.Code())
	}
	w.last[id] = ev.At
	delete(w.replied, id)
	w.apply(id, d)
	if !d.WaitUntil.IsZero() {
		w.timers = append(w.timers, seqTimer{due: d.WaitUntil, kind: "away", id: id, owner: d.After.Owner, version: w.versions[id], since: ev.At})
	}
}

func (w *world) assign() {
	id, c, conv := w.randomContact()
	to := []string{"", Bot, w.randomOpOr("zed"), w.randomOpOr(Bot)}[w.pick(4)]
	actor := w.randomOpOr("zed")
	w.what = fmt.Sprintf("%s assigns %q on %s %+v", actor, to, id, conv)
	d, err := DecideAssign(w.ws, actor, c, conv, to, w.now)
	d2, err2 := DecideAssign(w.ws, actor, c, conv, to, w.now)
	if w.refused(err, err2) {
		return
	}
	w.same(d, d2)
	if d.RaisePrompt && (d.After != d.Before || d.Prompt.Kind != PromptAssign || d.Prompt.RaisedBy != actor) {
		w.fatalf("assign prompt changed the conversation: %+v -> %+v", d.Before, d.After)
	}
	if !d.RaisePrompt && d.After.Assignee != to {
		w.fatalf("assign %q gave %q", to, d.After.Assignee)
	}
	w.syncInvariant(d)
	w.apply(id, d)
}

func (w *world) owner() bool {
	id, c, conv := w.randomContact()
	to := []string{"", w.randomOpOr("zed"), w.randomOpOr(Bot), w.randomOpOr("")}[w.pick(4)]
	actor := w.randomOpOr("zed")
	w.what = fmt.Sprintf("%s sets owner %q on %s %+v", actor, to, id, conv)
	d, err := DecideOwner(w.ws, actor, c, conv, to, w.now)
	d2, err2 := DecideOwner(w.ws, actor, c, conv, to, w.now)
	if w.refused(err, err2) {
		return false
	}
	w.same(d, d2)
	if d.After.Owner != to {
		w.fatalf("owner set to %q gave %q", to, d.After.Owner)
	}
	if to == "" || !w.ws.Settings.OwnerRoutingActive() {
		if d.After.Assignee != d.Before.Assignee || d.After.Team != d.Before.Team || d.RaisePrompt {
			w.fatalf("owner clear / routing off changed more than the owner: %+v -> %+v", d.Before, d.After)
		}
	}
	if d.RaisePrompt && (d.After.Assignee != d.Before.Assignee || d.Prompt.RaisedBy != actor || d.Prompt.Kind != PromptOwner) {
		w.fatalf("owner prompt: %+v -> %+v, %+v", d.Before, d.After, d.Prompt)
	}
	w.syncInvariant(d)
	w.apply(id, d)
	return true
}

func (w *world) team() {
	id, c, conv := w.randomContact()
	tm := "t9"
	if w.chance(0.95) {
		tm = w.teams[w.pick(len(w.teams))].ID
	}
	actor := w.randomOpOr("zed")
	w.what = fmt.Sprintf("%s moves %s %+v to %s", actor, id, conv, tm)
	d, err := DecideTeam(w.ws, actor, c, conv, tm, w.now)
	d2, err2 := DecideTeam(w.ws, actor, c, conv, tm, w.now)
	if w.refused(err, err2) {
		return
	}
	w.same(d, d2)
	if d.After.Team != tm || d.After.Owner != d.Before.Owner {
		w.fatalf("team change: %+v -> %+v", d.Before, d.After)
	}
	if w.ws.IsHuman(conv.Assignee) && w.ws.InTeam(conv.Assignee, tm) && d.After.Assignee != conv.Assignee {
		w.fatalf("team change dropped %s, who is in %s", conv.Assignee, tm)
	}
	w.apply(id, d)
}

func (w *world) close() {
	id, c, conv := w.biased(w.covered(func(cv Conversation) bool {
		return cv.Status == StatusOpen && State{Assignee: cv.Assignee, Cover: cv.Cover}.Covering()
	}), 0.5)
	actor := w.randomOpOr("zed")
	reopen := w.chance(0.3)
	w.what = fmt.Sprintf("%s close(reopen=%v) %s %+v", actor, reopen, id, conv)
	d, err := DecideClose(w.ws, actor, c, conv, reopen, w.now)
	d2, err2 := DecideClose(w.ws, actor, c, conv, reopen, w.now)
	if w.refused(err, err2) {
		return
	}
	w.same(d, d2)
	b, a := d.Before, d.After
	if a.Assignee != b.Assignee || a.Team != b.Team || a.Owner != b.Owner || d.RaisePrompt {
		w.fatalf("close/reopen changed more than the status: %+v -> %+v", b, a)
	}
	if !reopen && (a.Status != StatusClosed || a.BotHold || d.ClearPrompt != (conv.Prompt != nil)) {
		w.fatalf("close: %+v clear %v", a, d.ClearPrompt)
	}
	w.apply(id, d)
}

func (w *world) answer() {
	// prefer conversations with a waiting prompt
	var waiting []string
	for _, id := range w.ids {
		if w.convs[id].Prompt != nil {
			waiting = append(waiting, id)
		}
	}
	id, c, conv := w.randomContact()
	if len(waiting) > 0 && w.chance(0.85) {
		id = waiting[w.pick(len(waiting))]
		c, conv = w.contacts[id], w.convs[id]
	}
	actor := w.randomOpOr("zed")
	if p := conv.Prompt; p != nil && w.chance(0.7) {
		switch {
		case p.RaisedBy != Routing:
			actor = p.RaisedBy
		case w.chance(0.5):
			actor = p.Target
		default:
			for _, o := range w.ops {
				if o.Role == RoleAdmin {
					actor = o.ID
				}
			}
		}
	}
	accept := w.chance(0.5)
	tm := ""
	if w.chance(0.4) {
		tm = w.teams[w.pick(len(w.teams))].ID
	}
	w.what = fmt.Sprintf("%s answers accept=%v team=%q on %s %+v prompt %+v", actor, accept, tm, id, conv, conv.Prompt)
	d, err := DecideAnswer(w.ws, actor, c, conv, accept, tm, w.now)
	d2, err2 := DecideAnswer(w.ws, actor, c, conv, accept, tm, w.now)
	if conv.Prompt == nil && w.ws.IsHuman(actor) && !IsRefusal(err, AlreadyDecided) {
		w.fatalf("answer without a prompt: %v", err)
	}
	if conv.Prompt != nil && w.ws.IsHuman(actor) && !CanAnswer(w.ws, actor, conv.Prompt) && !IsRefusal(err, Forbidden) {
		w.fatalf("%s may not answer but got %v", actor, err)
	}
	if w.refused(err, err2) {
		return
	}
	w.same(d, d2)
	p := conv.Prompt
	if !d.ClearPrompt {
		w.fatalf("answer kept the prompt")
	}
	switch {
	case accept:
		if d.After.Assignee != p.Target || !w.ws.InTeam(p.Target, d.After.Team) {
			w.fatalf("accept: %+v", d.After)
		}
	case p.Kind == PromptAssign:
		if d.After != d.Before || d.Notify != "" {
			w.fatalf("declining an assignment changed something: %+v", d.After)
		}
	default:
		if d.After.Assignee != Bot || d.After.BotHold != (conv.Status == StatusOpen) || d.After.Team != d.Before.Team || d.Notify != p.Target {
			w.fatalf("decline: %+v notify %q", d.After, d.Notify)
		}
	}
	w.syncInvariant(d)
	w.apply(id, d)
	// the first answer wins; a second gets "already decided"
	if _, err := DecideAnswer(w.ws, actor, w.contacts[id], w.convs[id], accept, tm, w.now); !IsRefusal(err, AlreadyDecided) {
		w.fatalf("second answer: %v", err)
	}
}

func (w *world) status() {
	if len(w.ops) == 0 {
		return
	}
	i := w.pick(len(w.ops))
	status := []Presence{Online, Online, Away, Offline}[w.pick(4)]
	if owners := w.covered(func(Conversation) bool { return true }); len(owners) > 0 && w.chance(0.4) {
		// an owner someone covers for comes back (or goes again)
		i = slices.IndexFunc(w.ops, func(o Operator) bool { return o.ID == w.convs[owners[w.pick(len(owners))]].Cover })
		if i < 0 {
			return
		}
		if w.chance(0.7) {
			status = Online
		}
	}
	w.ops[i].Status = status
	w.what = fmt.Sprintf("%s is now %s", w.ops[i].ID, w.ops[i].Status)
	w.rebuild(w.ws) // no conversation changes: checkWorld sees that
	if w.ops[i].Status == Online {
		w.mark(Trigger{Kind: TriggerOnline, Operator: w.ops[i].ID}, w.teamsOf(w.ops[i].ID)...)
	}
}

// toggle flips a routing setting (or the plan) and checks invariant 4.
func (w *world) toggle(before snapshot) {
	actor := w.randomOpOr("zed")
	on := w.chance(0.5)
	var ch SettingChange
	var err, err2 error
	var ch2 SettingChange
	switch w.pick(5) {
	case 0, 1:
		w.what = fmt.Sprintf("%s turns owner routing %v", actor, on)
		ch, err = DecideOwnerRouting(w.ws, actor, on, w.now)
		ch2, err2 = DecideOwnerRouting(w.ws, actor, on, w.now)
	case 2, 3:
		w.what = fmt.Sprintf("%s turns round robin %v", actor, on)
		ch, err = DecideRoundRobin(w.ws, actor, on, w.now)
		ch2, err2 = DecideRoundRobin(w.ws, actor, on, w.now)
	default:
		p := []Plan{PlanGrowth, PlanPro, PlanBusiness}[w.pick(3)]
		w.what = fmt.Sprintf("%s sets plan %s", actor, p)
		ch, err = DecidePlan(w.ws, actor, p, w.now)
		ch2, err2 = DecidePlan(w.ws, actor, p, w.now)
	}
	if (err == nil) != (err2 == nil) || ch != ch2 {
		w.fatalf("invariant 7: settings decision differs: %+v/%v vs %+v/%v", ch, err, ch2, err2)
	}
	if !w.ws.IsAdmin(actor) && !IsRefusal(err, Forbidden) {
		w.fatalf("non-admin %s changed a setting: %v", actor, err)
	}
	if err == nil {
		if ch.By != actor || !ch.At.Equal(w.now) {
			w.fatalf("change not recorded: %+v", ch)
		}
		old := w.settings
		w.settings = ch.Apply(w.settings)
		if ch.Key == SettingPlan && (w.settings.ContactOwnerRouting != old.ContactOwnerRouting || w.settings.RoundRobin != old.RoundRobin) {
			w.fatalf("plan change flipped a toggle")
		}
		w.rebuild(w.ws)
	}
	// invariant 4: nothing but the settings changed
	after := w.snap()
	if !reflect.DeepEqual(before, after) {
		w.fatalf("invariant 4: a settings change touched conversations, contacts, notes or round robin")
	}
	// round robin coming into force makes the online members candidates: their backlog is
	// swept after the flip (the flip itself changed nothing); owner routing changes no candidate
	if err == nil && ch.Key != SettingOwnerRouting {
		w.mark(Trigger{Kind: TriggerSettings}, w.allTeams()...)
	}
}

func (w *world) removeMember() {
	ti := w.pick(len(w.teams))
	tm := &w.teams[ti]
	if len(tm.Members) == 0 {
		return
	}
	mi := w.pick(len(tm.Members))
	op := tm.Members[mi]
	tm.Members = slices.Delete(slices.Clone(tm.Members), mi, mi+1)
	w.what = fmt.Sprintf("remove %s from %s", op, tm.ID)
	w.rebuild(w.ws)
	for _, id := range w.ids {
		conv := w.convs[id]
		if conv.Status == StatusNew {
			continue
		}
		d := DecideMemberRemoved(w.ws, w.contacts[id], conv, op, tm.ID, w.now)
		w.same(d, DecideMemberRemoved(w.ws, w.contacts[id], conv, op, tm.ID, w.now))
		if d.After.Owner != d.Before.Owner || d.After.Team != d.Before.Team {
			w.fatalf("member removal changed owner or team: %+v -> %+v", d.Before, d.After)
		}
		w.apply(id, d)
	}
}

func (w *world) addMember() {
	if len(w.ops) == 0 {
		return
	}
	ti := w.pick(len(w.teams))
	op := w.ops[w.pick(len(w.ops))].ID
	for try := 0; try < 3 && slices.Contains(w.teams[ti].Members, op); try++ {
		op = w.ops[w.pick(len(w.ops))].ID
	}
	if slices.Contains(w.teams[ti].Members, op) {
		return
	}
	w.teams[ti].Members = append(slices.Clone(w.teams[ti].Members), op)
	w.what = fmt.Sprintf("add %s to %s", op, w.teams[ti].ID)
	w.rebuild(w.ws)
	w.mark(Trigger{Kind: TriggerMember, Operator: op}, w.teams[ti].ID)
}

func (w *world) deleteOperator() bool {
	if len(w.ops) <= 1 {
		return false
	}
	i := w.pick(len(w.ops))
	op := w.ops[i].ID
	w.ops = slices.Delete(slices.Clone(w.ops), i, i+1)
	for ti := range w.teams {
		w.teams[ti].Members = slices.DeleteFunc(slices.Clone(w.teams[ti].Members), func(m string) bool { return m == op })
	}
	w.what = "delete " + op
	w.rebuild(w.ws)
	for _, id := range w.ids {
		c, conv := w.contacts[id], w.convs[id]
		d := DecideOperatorDeleted(w.ws, c, conv, op, w.now)
		w.same(d, DecideOperatorDeleted(w.ws, c, conv, op, w.now))
		if d.After.Assignee == op || d.After.Owner == op {
			w.fatalf("deleted operator kept: %+v", d.After)
		}
		w.apply(id, d)
	}
	return true
}

// refused checks that both calls agree and reports whether the action was refused.
func (w *world) refused(err, err2 error) bool {
	w.t.Helper()
	if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
		w.fatalf("invariant 7: refusals differ: %v / %v", err, err2)
	}
	if err != nil {
		var r *Refusal
		if !IsRefusal(err, Forbidden) && !IsRefusal(err, Invalid) && !IsRefusal(err, NotFound) && !IsRefusal(err, Conflict) && !IsRefusal(err, AlreadyDecided) {
			w.fatalf("error is not a Refusal: %v (%T %v)", err, err, r)
		}
		return true
	}
	return false
}

// syncInvariant checks invariant 2 for a person's action: with routing on, an action that
// leaves a human assignee without raising a prompt leaves the owner equal to it. Declining a
// manual assignment changes nothing, and a team change leaves the owner untouched.
func (w *world) syncInvariant(d Decision) {
	w.t.Helper()
	if !w.ws.Settings.OwnerRoutingActive() || d.RaisePrompt || !w.ws.IsHuman(d.After.Assignee) {
		return
	}
	switch d.Kind {
	case KindAssign, KindOwner, KindAccept:
		if d.After.Owner != d.After.Assignee && !d.After.Covering() {
			w.fatalf("invariant 2: %s left owner %q, assignee %q", d.Code(), d.After.Owner, d.After.Assignee)
		}
	}
}

// same checks invariant 7: deciding the same state and event twice gives the same decision.
func (w *world) same(a, b Decision) {
	w.t.Helper()
	if a.Kind != b.Kind || a.After != b.After || a.Before != b.Before || a.Reason != b.Reason || a.Rule != b.Rule || a.Pick != b.Pick ||
		a.RaisePrompt != b.RaisePrompt || a.ClearPrompt != b.ClearPrompt || !reflect.DeepEqual(a.Prompt, b.Prompt) ||
		a.Notify != b.Notify || a.Actor != b.Actor || !a.At.Equal(b.At) || a.Explain() != b.Explain() {
		w.fatalf("invariant 7: same input, different decisions:\n%+v\n%+v", a, b)
	}
}

// apply records a decision in the world, checking invariants 5 and 6 on it.
func (w *world) apply(id string, d Decision) {
	w.t.Helper()
	w.decisions++
	ws := w.ws
	code := d.Code()
	if d.Reason == ReasonRule {
		code = "rule"
	}
	w.codes[code]++
	if d.Pick.Operator != "" {
		w.codes["pick"]++
	}
	if d.Notify != "" {
		w.codes["notify"]++
	}
	if d.Kind == KindInbound && d.Reason == ReasonKept && d.Before.BotHold {
		w.codes["bot_hold_kept"]++
	}
	switch code {
	case "round_robin", "balanced", "round_robin_backlog", "owner_away", "owner_away_fallback", "rule", "team_change":
		if strings.Contains(d.Explain(), "at capacity") {
			w.codes["capacity_skip"]++
		}
	}
	// invariant 5 (amended): round robin, balanced and the backlog pick only online, non-admin
	// members with room, and none of them runs outside hours
	if p := d.Pick; p.Operator != "" {
		o, ok := ws.Operator(p.Operator)
		if !ok || p.Operator == Bot || o.Role != RoleOperator || o.Status != Online || !ws.InTeam(p.Operator, p.Team) {
			w.fatalf("invariant 5: round robin picked %+v (%+v)", p, o)
		}
		if m := ws.MaxOpen(p.Operator); m > 0 && ws.Load(p.Operator) >= m {
			w.fatalf("invariant 5: picked %s at capacity %d/%d", p.Operator, ws.Load(p.Operator), m)
		}
		if ws.Settings.ClosedAt(d.At) != closedNone {
			w.fatalf("invariant 5: round robin ran outside hours (%v at %v)", ws.Settings.ClosedAt(d.At), d.At)
		}
		if d.After.Assignee != p.Operator || d.After.Team != p.Team || p.Seq != ws.RoundRobin(p.Team).Seq+1 {
			w.fatalf("pick %+v does not match the result %+v (seq %d)", p, d.After, ws.RoundRobin(p.Team).Seq)
		}
	}
	// invariant 6: a change leaves exactly one note with a reason code and a sentence
	notes := d.Notes()
	if d.Changed() != (len(notes) == 1) || len(notes) > 1 {
		w.fatalf("invariant 6: Changed %v but %d notes", d.Changed(), len(notes))
	}
	if len(notes) == 1 {
		n := notes[0]
		if n.Reason != d.Code() || !knownCode(n.Reason) || n.By == "" || n.Text == "" || n.Text != d.Explain() {
			w.fatalf("invariant 6: bad note %+v", n)
		}
		b, a := d.Before, d.After
		if a.Assignee != b.Assignee && ws.IsHuman(a.Assignee) && !strings.Contains(n.Text, ws.name(a.Assignee)) {
			w.fatalf("invariant 6: note does not name the new assignee %s: %q", a.Assignee, n.Text)
		}
		if a.Owner != b.Owner && ws.IsHuman(a.Owner) && !strings.Contains(n.Text, ws.name(a.Owner)) {
			w.fatalf("invariant 6: note does not name the new owner %s: %q", a.Owner, n.Text)
		}
		if a.Team != b.Team && !strings.Contains(n.Text, ws.teamName(a.Team)) {
			w.fatalf("invariant 6: note does not name the new team %s: %q", a.Team, n.Text)
		}
		w.notes[id] = append(w.notes[id], n)
	} else if d.Explain() == "" {
		w.fatalf("no explanation for %s", d.Code())
	}
	if (d.Notify == "") != (d.Notifications() == nil) {
		w.fatalf("Notify %q but notifications %+v", d.Notify, d.Notifications())
	}
	// invariant 3 at the decision level: with routing off, only owner edits and operator
	// deletion write an owner
	if !ws.Settings.OwnerRoutingActive() && d.After.Owner != d.Before.Owner {
		switch d.Kind {
		case KindOwner, KindClearOwner, KindOperatorDeleted:
		default:
			w.fatalf("invariant 3: %s changed the owner with routing off", d.Code())
		}
	}
	if d.Changed() {
		w.versions[id]++
	}
	if d.After.Covering() && !d.Before.Covering() {
		w.codes["cover_began"]++
	}
	if freed, _ := ws.Track(d); freed != "" {
		w.mark(Trigger{Kind: TriggerCapacity, Operator: freed}, w.teamsOf(freed)...)
	}
	if d.HoursStop() == ClosedHours {
		w.armHours(d.At)
	}
	conv := d.Apply(w.convs[id])
	if (conv.Status == StatusNew) != (d.After.Status == StatusNew) {
		w.fatalf("status %q", conv.Status)
	}
	if conv.InBacklog() && !w.convs[id].InBacklog() && d.rrTeam == "" && !d.Before.Backlog {
		w.fatalf("%s entered the backlog by %s, though round robin did not run", id, d.Code())
	}
	if conv.InBacklog() && !w.convs[id].InBacklog() && d.Before.Backlog {
		w.mark(Trigger{Kind: TriggerBack}, conv.Team) // back in the backlog: a candidate may be there already
	}
	w.convs[id] = conv
	c := w.contacts[id]
	c.Owner = d.After.Owner
	w.contacts[id] = c
	if d.Pick.Operator != "" {
		ws.Remember(d.Pick)
	}
}

func knownCode(code string) bool {
	if strings.HasPrefix(code, "rule:") {
		return len(code) > len("rule:")
	}
	switch Reason(code) {
	case ReasonActiveAssignee, ReasonOwner, ReasonOwnerTeamMismatch, ReasonRoundRobin, ReasonDefault, ReasonPromptAccepted,
		ReasonPromptDeclined, ReasonPromptCancelled, ReasonManualAssign, ReasonManualOwner, ReasonTeamChange, ReasonMemberRemoved, ReasonOperatorDeleted,
		ReasonClosed, ReasonReopened, ReasonOwnerAway, ReasonOwnerAwayWait, ReasonOwnerAwayFallback, ReasonOutsideHours,
		ReasonRoundRobinBacklog, ReasonBalanced, ReasonCoverEnded:
		return true
	}
	return false
}

// checkWorld checks the invariants that hold over the whole inbox after a step.
func (w *world) checkWorld(before snapshot, routingOn, ownerEdit bool) {
	w.t.Helper()
	for _, id := range w.ids {
		conv, c := w.convs[id], w.contacts[id]
		// invariant 1: a human assignee is a member of the conversation's team
		if w.ws.IsHuman(conv.Assignee) && !w.ws.InTeam(conv.Assignee, conv.Team) {
			w.fatalf("invariant 1: %s assigned to %s, not in %s", id, conv.Assignee, conv.Team)
		}
		if conv.Assignee != "" && conv.Assignee != Bot && !w.ws.IsHuman(conv.Assignee) {
			w.fatalf("%s assigned to unknown %q", id, conv.Assignee)
		}
		if c.Owner == Bot {
			w.fatalf("Bot owns %s", id)
		}
		if conv.Status != StatusNew && (conv.Team == "" || conv.Status != StatusOpen && conv.Status != StatusClosed) {
			w.fatalf("%s: bad conversation %+v", id, conv)
		}
		if conv.BotHold && (conv.Assignee != Bot || conv.Status != StatusOpen) {
			w.fatalf("%s: Bot hold on %+v", id, conv)
		}
		if p := conv.Prompt; p != nil && (p.Target == "" || p.Team == "") {
			w.fatalf("%s: bad prompt %+v", id, p)
		}
		// invariant 3: with routing off, only an owner edit (or deleting the operator)
		// changes an owner
		if !routingOn && !ownerEdit && c.Owner != before.contacts[id].Owner {
			w.fatalf("invariant 3: owner of %s changed %q -> %q with routing off", id, before.contacts[id].Owner, c.Owner)
		}
		// invariant 6 over the inbox: every change of assignee, owner or team left a note
		b := before.convs[id]
		if (conv.Assignee != b.Assignee || conv.Team != b.Team || c.Owner != before.contacts[id].Owner) && len(w.notes[id]) <= before.notes[id] {
			w.fatalf("invariant 6: %s changed without a note: %+v -> %+v", id, b, conv)
		}
		if conv.Backlog && (conv.Status != StatusOpen || conv.Assignee != Bot || conv.BotHold) {
			w.fatalf("%s: backlog on %+v", id, conv)
		}
		if conv.Cover != "" && (conv.Assignee == "" || conv.Assignee == conv.Cover) {
			w.fatalf("%s: a cover without anyone standing in: %+v", id, conv)
		}
		// invariant 2 (amended) over the inbox: routing on, an open conversation's human
		// assignee who is not a cover is the owner, unless a person's edit left it otherwise
		// since (clearing the owner, an owner outside the team waiting for a decision, a
		// team change, a manual reopen: the next inbound event makes them owner again)
	}
	// invariant 9: no backlog conversation waits while its team has a candidate
	for _, tm := range w.teams {
		for _, id := range w.ids {
			if cv := w.convs[id]; cv.InBacklog() && cv.Team == tm.ID && w.ws.HasCandidate(tm.ID, w.now) {
				w.fatalf("invariant 9: %s waits in %s's backlog while it has a candidate (%+v)", id, tm.ID, cv)
			}
		}
	}
	// the loads routing reads are the open conversations of each operator
	for _, o := range w.ops {
		n := 0
		for _, id := range w.ids {
			if cv := w.convs[id]; cv.Status == StatusOpen && cv.Assignee == o.ID {
				n++
			}
		}
		if w.ws.Load(o.ID) != n {
			w.fatalf("%s has %d open conversations, the workspace counts %d", o.ID, n, w.ws.Load(o.ID))
		}
	}
}
