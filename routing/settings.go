package routing

import "time"

// SettingKey names a routing setting a person can change.
type SettingKey string

const (
	SettingOwnerRouting SettingKey = "contact_owner_routing"
	SettingRoundRobin   SettingKey = "round_robin"
	SettingPlan         SettingKey = "plan"
	SettingDefaultTeam  SettingKey = "default_team"
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

// Apply returns the settings with the change made.
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
	}
	return st
}

func quote(s string) string { return "\"" + s + "\"" }
