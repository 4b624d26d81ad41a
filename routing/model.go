package routing

import "time"

// Plan is the workspace's subscription plan; it decides which routing features exist.
type Plan string

const (
	PlanGrowth   Plan = "growth"
	PlanPro      Plan = "pro"
	PlanBusiness Plan = "business"
)

// Valid reports whether p is one of the known plans.
func (p Plan) Valid() bool { return p == PlanGrowth || p == PlanPro || p == PlanBusiness }

// Role is an operator's role.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleOperator Role = "operator"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleOperator }

// Presence is an operator's status.
type Presence string

const (
	Online  Presence = "online"
	Away    Presence = "away"
	Offline Presence = "offline"
)

// Valid reports whether p is a known presence.
func (p Presence) Valid() bool { return p == Online || p == Away || p == Offline }

// Status is a conversation's status. The zero value means the conversation does not exist
// yet: the event being decided creates it.
type Status string

const (
	StatusNew    Status = ""
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Channel is how a customer reached the inbox.
type Channel string

const (
	ChannelMessage Channel = "message"
	ChannelCall    Channel = "call"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return c == ChannelMessage || c == ChannelCall }

// Bot is the id of the built-in non-human assignee. It is never a team member or an owner.
const Bot = "bot"

// Routing is the actor name used for changes that no person made.
const Routing = "routing"

// Operator is a person who answers conversations.
type Operator struct {
	ID     string
	Name   string
	Role   Role
	Status Presence
	// MaxOpen is how many open conversations round robin may give them (0: no limit) when
	// HasMaxOpen; without it the workspace default (Settings.MaxOpen) applies.
	MaxOpen    int
	HasMaxOpen bool
}

// Team is a group of operators. Member order matters: it breaks round-robin ties.
type Team struct {
	ID      string
	Name    string
	Members []string
}

// TargetKind says what an automation rule assigns to.
type TargetKind string

const (
	TargetTeam     TargetKind = "team"
	TargetOperator TargetKind = "operator"
	TargetBot      TargetKind = "bot"
)

// Target is an automation rule's action.
type Target struct {
	Kind TargetKind
	ID   string // team or operator id; empty for Bot
}

// Rule is an automation rule. Every condition that is set must hold for it to match; a rule
// sets at least one condition.
type Rule struct {
	Name    string
	Channel Channel // "" for any channel
	Keyword string  // whole word, case-insensitive; "" for any text
	Tag     string  // contact tag; "" for any contact
	To      Target
}

// Settings are the workspace's routing settings.
type Settings struct {
	Plan                Plan
	ContactOwnerRouting bool
	RoundRobin          bool
	DefaultTeam         string
	Rules               []Rule

	// AwayWait: what row 2a does when the owner is away or offline (off: nothing new).
	AwayWait Wait
	// Hours and Holiday: round robin runs only within the hours and not in holiday mode.
	Hours   Hours
	Holiday bool
	// Assignment is how round robin picks ("" is AssignRoundRobin).
	Assignment Assignment
	// MaxOpen is the workspace's default capacity (0: no limit).
	MaxOpen int
}

// OwnerRoutingActive reports whether contact owner-based routing is in force: switched on and
// available on the plan.
func (s Settings) OwnerRoutingActive() bool {
	return s.ContactOwnerRouting && PlanAllowsOwnerRouting(s.Plan)
}

// RoundRobinActive reports whether round robin is in force: switched on and on Business.
func (s Settings) RoundRobinActive() bool { return s.RoundRobin && PlanAllowsRoundRobin(s.Plan) }

// PlanAllowsOwnerRouting reports whether the plan has contact owner-based routing.
func PlanAllowsOwnerRouting(p Plan) bool { return p == PlanPro || p == PlanBusiness }

// PlanAllowsRoundRobin reports whether the plan has round robin.
func PlanAllowsRoundRobin(p Plan) bool { return p == PlanBusiness }

// Contact is a customer, identified by phone number digits.
type Contact struct {
	ID    string
	Name  string
	Owner string // operator id, or "" for none
	Tags  []string
}

// PromptKind says what raised a team-mismatch prompt, which decides what answering it does.
type PromptKind string

const (
	// PromptInbound: an inbound message or call reopened the conversation and the owner is
	// not in its team (row 2b).
	PromptInbound PromptKind = "inbound"
	// PromptAssign: a person assigned an operator who is not in the team.
	PromptAssign PromptKind = "assign"
	// PromptOwner: a person made someone outside the team the owner.
	PromptOwner PromptKind = "owner"
)

// Prompt is a pending team-mismatch decision. A conversation has at most one.
type Prompt struct {
	Kind     PromptKind
	Target   string   // the operator the prompt would assign (the owner, or the chosen assignee)
	Team     string   // the conversation's team when it was raised
	Choices  []string // the target's teams, in workspace order
	RaisedBy string   // the operator whose action raised it, or Routing
	At       time.Time
	// PrevOwner and PrevCover are the contact's owner and the conversation's cover before the
	// action that raised it (an owner change), so the person can cancel it (DecideCancel).
	PrevOwner, PrevCover string
}

// Conversation is the routing view of a contact's conversation.
type Conversation struct {
	Status   Status // StatusNew when the event creates it
	Assignee string // operator id, Bot, or ""
	Team     string
	// BotHold: Bot holds the conversation because a prompt was declined in this open
	// period. It ends when the conversation closes or a person changes the assignee.
	BotHold bool
	Prompt  *Prompt
	// Cover is the owner the assignee stands in for (owner away), "" for none. With Bot it is
	// the owner a cover is still wanted for. A closed conversation keeps it as a record.
	Cover string
	// Backlog: round robin could not give the conversation to anyone (no candidate, or outside
	// hours) and it waits with Bot in its team's backlog (while no team decision waits on it:
	// InBacklog).
	Backlog bool
}

// Inbound is a customer's message or call.
type Inbound struct {
	Channel Channel
	Text    string // message text; empty for calls
	At      time.Time
}

// RoundRobinState is what a team's round robin remembers: a counter of its picks and, per
// operator, the counter value of the last pick of them (0: never picked).
type RoundRobinState struct {
	Seq  uint64            `json:"seq"`
	Last map[string]uint64 `json:"last"`
}

// Pick is a round-robin pick the caller must remember (see Workspace.Remember).
type Pick struct {
	Team     string
	Operator string
	Seq      uint64
}
