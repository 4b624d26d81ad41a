package routing

import "time"

// Workspace is the configuration routing decides against: settings, operators, teams and
// round-robin memory, indexed for constant-time lookups. Build it with NewWorkspace; treat it
// as read-only except through Remember. A Workspace is not safe for concurrent mutation: the
// caller serialises Remember against decisions (the inbox has a single writer).
type Workspace struct {
	Settings Settings

	ops     []Operator
	opIdx   map[string]int
	teams   []Team
	teamIdx map[string]int
	// per team, aligned with Team.Members: index into ops (-1: unknown operator) and the
	// round-robin counter of the member's last pick.
	memberOp  [][]int
	lastPick  [][]uint64
	rrSeq     []uint64
	memberSet []map[string]int // team -> member id -> position
	// load is, per operator (aligned with ops), how many open conversations are assigned to
	// them: what capacity and balanced assignment look at. The caller keeps it (SetLoad,
	// Track), as it keeps round-robin memory.
	load []int
}

// NewWorkspace indexes the given configuration. Unknown member ids are kept but never
// picked or counted as members; duplicate ids keep their first occurrence.
func NewWorkspace(s Settings, ops []Operator, teams []Team, rr map[string]RoundRobinState) *Workspace {
	w := &Workspace{Settings: s}
	w.ops = append([]Operator(nil), ops...)
	w.opIdx = make(map[string]int, len(ops))
	w.load = make([]int, len(w.ops))
	for i, o := range w.ops {
		if _, dup := w.opIdx[o.ID]; !dup {
			w.opIdx[o.ID] = i
		}
	}
	w.teams = make([]Team, 0, len(teams))
	w.teamIdx = make(map[string]int, len(teams))
	for _, t := range teams {
		if _, dup := w.teamIdx[t.ID]; dup {
			continue
		}
		t.Members = append([]string(nil), t.Members...)
		w.teamIdx[t.ID] = len(w.teams)
		w.teams = append(w.teams, t)
	}
	w.memberOp = make([][]int, len(w.teams))
	w.lastPick = make([][]uint64, len(w.teams))
	w.rrSeq = make([]uint64, len(w.teams))
	w.memberSet = make([]map[string]int, len(w.teams))
	for ti, t := range w.teams {
		st := rr[t.ID]
		w.rrSeq[ti] = st.Seq
		w.memberOp[ti] = make([]int, len(t.Members))
		w.lastPick[ti] = make([]uint64, len(t.Members))
		w.memberSet[ti] = make(map[string]int, len(t.Members))
		for mi, id := range t.Members {
			oi, ok := w.opIdx[id]
			if !ok {
				oi = -1
			}
			if _, dup := w.memberSet[ti][id]; dup || id == Bot {
				oi = -1
			} else if ok {
				w.memberSet[ti][id] = mi
			}
			w.memberOp[ti][mi] = oi
			w.lastPick[ti][mi] = st.Last[id]
		}
	}
	return w
}

// Operator returns the operator with the id.
func (w *Workspace) Operator(id string) (Operator, bool) {
	i, ok := w.opIdx[id]
	if !ok {
		return Operator{}, false
	}
	return w.ops[i], true
}

// Operators returns the operators in workspace order. The slice is shared: do not modify it.
func (w *Workspace) Operators() []Operator { return w.ops }

// Team returns the team with the id.
func (w *Workspace) Team(id string) (Team, bool) {
	i, ok := w.teamIdx[id]
	if !ok {
		return Team{}, false
	}
	return w.teams[i], true
}

// Teams returns the teams in workspace order. The slice is shared: do not modify it.
func (w *Workspace) Teams() []Team { return w.teams }

// IsHuman reports whether id names an existing operator (so not Bot, not none).
func (w *Workspace) IsHuman(id string) bool {
	_, ok := w.opIdx[id]
	return ok && id != Bot
}

// IsAdmin reports whether id names an existing admin.
func (w *Workspace) IsAdmin(id string) bool {
	o, ok := w.Operator(id)
	return ok && o.Role == RoleAdmin
}

// InTeam reports whether operator id is a member of team.
func (w *Workspace) InTeam(id, team string) bool {
	ti, ok := w.teamIdx[team]
	if !ok {
		return false
	}
	_, ok = w.memberSet[ti][id]
	return ok
}

// TeamsOf returns the ids of the teams that include the operator, in workspace order.
func (w *Workspace) TeamsOf(id string) []string {
	var out []string
	for ti, t := range w.teams {
		if _, ok := w.memberSet[ti][id]; ok {
			out = append(out, t.ID)
		}
	}
	return out
}

// FirstTeamOf returns the first team (workspace order) that includes the operator.
func (w *Workspace) FirstTeamOf(id string) (string, bool) {
	for ti, t := range w.teams {
		if _, ok := w.memberSet[ti][id]; ok {
			return t.ID, true
		}
	}
	return "", false
}

// EffectiveOwner returns the contact's owner if it names an existing operator; an owner id
// that names no operator counts as no owner.
func (w *Workspace) EffectiveOwner(c Contact) string {
	if w.IsHuman(c.Owner) {
		return c.Owner
	}
	return ""
}

// RoundRobin returns what the team's round robin remembers, for persistence.
func (w *Workspace) RoundRobin(team string) RoundRobinState {
	ti, ok := w.teamIdx[team]
	if !ok {
		return RoundRobinState{}
	}
	st := RoundRobinState{Seq: w.rrSeq[ti], Last: map[string]uint64{}}
	for mi, id := range w.teams[ti].Members {
		if w.lastPick[ti][mi] != 0 {
			st.Last[id] = w.lastPick[ti][mi]
		}
	}
	return st
}

// Remember records a round-robin pick so the next decision sees it. It returns a function that
// undoes it, for a caller whose transaction failed.
func (w *Workspace) Remember(p Pick) (undo func()) {
	ti, ok := w.teamIdx[p.Team]
	if !ok || p.Operator == "" {
		return func() {}
	}
	mi, ok := w.memberSet[ti][p.Operator]
	if !ok {
		return func() {}
	}
	prevSeq, prevLast := w.rrSeq[ti], w.lastPick[ti][mi]
	w.rrSeq[ti] = p.Seq
	w.lastPick[ti][mi] = p.Seq
	return func() { w.rrSeq[ti], w.lastPick[ti][mi] = prevSeq, prevLast }
}

// SetLoad records how many open conversations are assigned to the operator.
func (w *Workspace) SetLoad(id string, n int) {
	if i, ok := w.opIdx[id]; ok {
		w.load[i] = max(0, n)
	}
}

// Load is how many open conversations are assigned to the operator (as the caller recorded).
func (w *Workspace) Load(id string) int {
	if i, ok := w.opIdx[id]; ok {
		return w.load[i]
	}
	return 0
}

// Loads returns every operator's load, by id, for carrying over to a new workspace.
func (w *Workspace) Loads() map[string]int {
	out := make(map[string]int, len(w.ops))
	for i, o := range w.ops {
		if w.load[i] != 0 {
			out[o.ID] = w.load[i]
		}
	}
	return out
}

// Track records what a decision does to the loads (a conversation opened with, or taken from,
// an operator) and returns the operator whose load went down ("" for none) and a function that
// undoes it, for a caller whose transaction failed.
func (w *Workspace) Track(d Decision) (freed string, undo func()) {
	var dec, inc = -1, -1
	b, a := d.Before, d.After
	if b.Status == StatusOpen && b.Assignee != Bot {
		if i, ok := w.opIdx[b.Assignee]; ok {
			dec = i
		}
	}
	if a.Status == StatusOpen && a.Assignee != Bot {
		if i, ok := w.opIdx[a.Assignee]; ok {
			inc = i
		}
	}
	if dec == inc {
		return "", func() {}
	}
	if dec >= 0 && w.load[dec] > 0 {
		w.load[dec]--
		freed = w.ops[dec].ID
	} else {
		dec = -1
	}
	if inc >= 0 {
		w.load[inc]++
	}
	return freed, func() {
		if dec >= 0 {
			w.load[dec]++
		}
		if inc >= 0 {
			w.load[inc]--
		}
	}
}

// MaxOpen is the operator's capacity in force: their own max_open, else the workspace
// default (0: no limit).
func (w *Workspace) MaxOpen(id string) int {
	o, ok := w.Operator(id)
	if !ok {
		return 0
	}
	return w.maxOpen(&o)
}

func (w *Workspace) maxOpen(o *Operator) int {
	if o.HasMaxOpen {
		return o.MaxOpen
	}
	return w.Settings.MaxOpen
}

// atCapacity reports whether operator oi has as many open conversations as they may.
func (w *Workspace) atCapacity(oi int) bool {
	m := w.maxOpen(&w.ops[oi])
	return m > 0 && w.load[oi] >= m
}

// candidate reports whether operator oi may be picked by round robin: an operator (not an
// admin), online, not at capacity.
func (w *Workspace) candidate(oi int) bool {
	o := &w.ops[oi]
	return o.Role == RoleOperator && o.Status == Online && !w.atCapacity(oi)
}

// pickIn returns the member of team ti that round robin (or balanced assignment) picks now,
// or -1 when none is a candidate.
func (w *Workspace) pickIn(ti int) int {
	best := -1
	var bestLast uint64
	bestLoad := 0
	balanced := w.Settings.Assignment == AssignBalanced
	ops, last := w.memberOp[ti], w.lastPick[ti]
	for mi, oi := range ops {
		if oi < 0 || !w.candidate(oi) {
			continue
		}
		switch {
		case best < 0:
		case balanced && w.load[oi] < bestLoad:
		case balanced && w.load[oi] > bestLoad:
			continue
		case last[mi] < bestLast:
		default:
			continue
		}
		best, bestLast, bestLoad = mi, last[mi], w.load[oi]
	}
	return best
}

// HasCandidate reports whether round robin could give a conversation of the team to someone at
// t: it is in force, it is within working hours and not holiday mode, and a member is a
// candidate. A team with a candidate has no backlog (invariant 9).
func (w *Workspace) HasCandidate(team string, t time.Time) bool {
	if !w.Settings.RoundRobinActive() || w.Settings.ClosedAt(t) != closedNone {
		return false
	}
	ti, ok := w.teamIdx[team]
	return ok && w.pickIn(ti) >= 0
}

// name returns a person-facing name for an assignee or operator id.
func (w *Workspace) name(id string) string {
	switch id {
	case "":
		return "nobody"
	case Bot:
		return "Bot"
	case Routing:
		return "routing"
	}
	if o, ok := w.Operator(id); ok && o.Name != "" {
		return o.Name
	}
	return id
}

// teamName returns a team's display name.
func (w *Workspace) teamName(id string) string {
	if t, ok := w.Team(id); ok && t.Name != "" {
		return t.Name
	}
	if id == "" {
		return "no team"
	}
	return id
}
