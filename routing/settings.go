package routing

import "time"

// SettingKey names a routing setting a person can change.
type SettingKey string

const (
	SettingOwnerRouting SettingKey = "contact_owner_routing"
	SettingRoundRobin   SettingKey = "round_robin"
	SettingPlan         SettingKey = "plan"
	SettingDefaultTeam  SettingKey = "default_team"
	// Routing that knows who is there.
	SettingAwayWait   SettingKey = "owner_away_wait"
	SettingHours      SettingKey = "hours"
	SettingHoliday    SettingKey = "holiday"
	SettingAssignment SettingKey = "assignment"
	SettingMaxOpen    SettingKey = "max_open" // the workspace default
	// SettingOperatorMaxOpen prefixes an operator's own max_open: "max_open:<id>".
	SettingOperatorMaxOpen SettingKey = "max_open:"
)

// SettingChange is an allowed change of one setting, as the settings history records it.
type SettingChange struct {
	Key  SettingKey
	By   string
	At   time.Time
	From string
	To   string
}

// Changed reports whether the change changes anything.
func (s SettingChange) Changed() bool { return s.From != s.To }

// Texts a person can act on, shared with the screens that explain a locked toggle.
const (
	TextOnlyAdmins        = "Only admins can change routing settings"
	TextOwnerRoutingPlan  = "Contact owner-based routing needs the Pro or Business plan"
	TextRoundRobinPlan    = "Round robin needs the Business plan"
	TextOnlyAdminsGeneral = "Only admins can do this"
)

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// DecideOwnerRouting decides turning contact owner-based routing on or off. Only admins may, and
// it can be turned on only on the Pro and Business plans. The flip changes no contact,
// conversation or assignment: it only changes how the next event routes.
func DecideOwnerRouting(w *Workspace, actor string, on bool, at time.Time) (SettingChange, error) {
	if !w.IsAdmin(actor) {
		return SettingChange{}, &Refusal{Kind: Forbidden, Text: TextOnlyAdmins}
	}
	if on && !PlanAllowsOwnerRouting(w.Settings.Plan) {
		return SettingChange{}, &Refusal{Kind: Forbidden, Text: TextOwnerRoutingPlan}
	}
	return SettingChange{Key: SettingOwnerRouting, By: actor, At: at, From: onOff(w.Settings.ContactOwnerRouting), To: onOff(on)}, nil
}

// DecideRoundRobin decides turning round robin on or off: admins only, Business plan only.
func DecideRoundRobin(w *Workspace, actor string, on bool, at time.Time) (SettingChange, error) {
	if !w.IsAdmin(actor) {
		return SettingChange{}, &Refusal{Kind: Forbidden, Text: TextOnlyAdmins}
	}
	if on && !PlanAllowsRoundRobin(w.Settings.Plan) {
		return SettingChange{}, &Refusal{Kind: Forbidden, Text: TextRoundRobinPlan}
	}
	return SettingChange{Key: SettingRoundRobin, By: actor, At: at, From: onOff(w.Settings.RoundRobin), To: onOff(on)}, nil
}

// DecidePlan decides changing the plan: admins only. A feature the new plan lacks stays
// switched as it was but stops being in force (Settings.OwnerRoutingActive); nothing else
// changes.
func DecidePlan(w *Workspace, actor string, plan Plan, at time.Time) (SettingChange, error) {
	if !w.IsAdmin(actor) {
		return SettingChange{}, &Refusal{Kind: Forbidden, Text: TextOnlyAdmins}
	}
	if !plan.Valid() {
		return SettingChange{}, &Refusal{Kind: Invalid, Text: "Unknown plan " + quote(string(plan)) + "; use growth, pro or business"}
	}
	return SettingChange{Key: SettingPlan, By: actor, At: at, From: string(w.Settings.Plan), To: string(plan)}, nil
}

// DecideDefaultTeam decides changing the default team: admins only, an existing team.
func DecideDefaultTeam(w *Workspace, actor, team string, at time.Time) (SettingChange, error) {
	if !w.IsAdmin(actor) {
		return SettingChange{}, &Refusal{Kind: Forbidden, Text: TextOnlyAdmins}
	}
	if _, ok := w.Team(team); !ok {
		return SettingChange{}, &Refusal{Kind: NotFound, Text: "Team " + quote(team) + " not found; pick one from `switchboard teams`"}
	}
	return SettingChange{Key: SettingDefaultTeam, By: actor, At: at, From: w.Settings.DefaultTeam, To: team}, nil
}

func (w *Workspace) admin(actor string) error {
	if !w.IsAdmin(actor) {
		return &Refusal{Kind: Forbidden, Text: TextOnlyAdmins}
	}
	return nil
}

// DecideAwayWait decides changing the owner-away wait (off, or a duration, 0 allowed): admins
// only. It changes no conversation: only how the next message or call of an away owner's
// contact routes.
func DecideAwayWait(w *Workspace, actor string, v Wait, at time.Time) (SettingChange, error) {
	if err := w.admin(actor); err != nil {
		return SettingChange{}, err
	}
	if v.On && (v.D < 0 || v.D > MaxWait) {
		return SettingChange{}, refuse(Invalid, "A wait of %s is out of range: give 0 to %s, or off", FormatDuration(v.D), FormatDuration(MaxWait))
	}
	return SettingChange{Key: SettingAwayWait, By: actor, At: at, From: w.Settings.AwayWait.String(), To: v.String()}, nil
}

// DecideHours decides changing the working hours to h (admins). The history records both as
// people read them (Hours.String).
func DecideHours(w *Workspace, actor string, h Hours, at time.Time) (SettingChange, error) {
	if err := w.admin(actor); err != nil {
		return SettingChange{}, err
	}
	for d, spans := range h.Week {
		if len(spans) > MaxSpans {
			return SettingChange{}, refuse(Invalid, "%d ranges on %s: give at most %d", len(spans), time.Weekday(d), MaxSpans)
		}
		for i, sp := range spans {
			if sp.From < 0 || sp.To > 24*60 || sp.From >= sp.To || (i > 0 && sp.From < spans[i-1].To) {
				return SettingChange{}, refuse(Invalid, "The ranges of %s are not in order or overlap: give them like 09:00-12:00 13:00-17:00", time.Weekday(d))
			}
		}
	}
	return SettingChange{Key: SettingHours, By: actor, At: at, From: w.Settings.Hours.String(), To: h.String()}, nil
}

// DecideHoliday decides turning holiday mode on or off (admins). Off lets round robin run
// again: the backlog is swept.
func DecideHoliday(w *Workspace, actor string, on bool, at time.Time) (SettingChange, error) {
	if err := w.admin(actor); err != nil {
		return SettingChange{}, err
	}
	return SettingChange{Key: SettingHoliday, By: actor, At: at, From: onOff(w.Settings.Holiday), To: onOff(on)}, nil
}

// DecideAssignment decides the assignment mode: round_robin or balanced (admins).
func DecideAssignment(w *Workspace, actor string, mode Assignment, at time.Time) (SettingChange, error) {
	if err := w.admin(actor); err != nil {
		return SettingChange{}, err
	}
	if mode != AssignRoundRobin && mode != AssignBalanced {
		return SettingChange{}, refuse(Invalid, "Unknown assignment mode %q: use round_robin or balanced", mode)
	}
	return SettingChange{Key: SettingAssignment, By: actor, At: at, From: string(w.Settings.assignment()), To: string(mode)}, nil
}

func (s *Settings) assignment() Assignment {
	if s.Assignment == "" {
		return AssignRoundRobin
	}
	return s.Assignment
}

// DecideMaxOpen decides the workspace's default capacity (0: no limit; admins).
func DecideMaxOpen(w *Workspace, actor string, n int, at time.Time) (SettingChange, error) {
	if err := w.admin(actor); err != nil {
		return SettingChange{}, err
	}
	if err := CheckCapacity(n); err != nil {
		return SettingChange{}, err
	}
	return SettingChange{Key: SettingMaxOpen, By: actor, At: at, From: CapacityText(w.Settings.MaxOpen), To: CapacityText(n)}, nil
}

// DecideOperatorMaxOpen decides an operator's own capacity: n (0: no limit), or with has false
// the workspace default (admins).
func DecideOperatorMaxOpen(w *Workspace, actor, op string, n int, has bool, at time.Time) (SettingChange, error) {
	if err := w.admin(actor); err != nil {
		return SettingChange{}, err
	}
	o, ok := w.Operator(op)
	if !ok {
		return SettingChange{}, refuse(NotFound, "Operator %q not found; see `switchboard operators`", op)
	}
	if err := CheckCapacity(n); has && err != nil {
		return SettingChange{}, err
	}
	text := func(has bool, n int) string {
		if !has {
			return "default"
		}
		return CapacityText(n)
	}
	return SettingChange{Key: SettingOperatorMaxOpen + SettingKey(op), By: actor, At: at, From: text(o.HasMaxOpen, o.MaxOpen), To: text(has, n)}, nil
}

// Apply returns the settings with the change made (the hours and an operator's capacity are
// not settings values: the caller sets them).
func (s SettingChange) Apply(st Settings) Settings {
	switch s.Key {
	case SettingOwnerRouting:
		st.ContactOwnerRouting = s.To == "on"
	case SettingRoundRobin:
		st.RoundRobin = s.To == "on"
	case SettingPlan:
		st.Plan = Plan(s.To)
	case SettingDefaultTeam:
		st.DefaultTeam = s.To
	case SettingAwayWait:
		st.AwayWait, _ = ParseWait(s.To)
	case SettingHoliday:
		st.Holiday = s.To == "on"
	case SettingAssignment:
		st.Assignment = Assignment(s.To)
	case SettingMaxOpen:
		st.MaxOpen = 0
		if s.To != CapacityText(0) {
			st.MaxOpen, _ = ParseCapacity(s.To)
		}
	}
	return st
}

func quote(s string) string { return "\"" + s + "\"" }
