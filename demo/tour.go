package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"switchboard/inbox"
	"switchboard/routing"
)

// Step is one step of the guided tour: what to do (which keys), what should happen, and a check
// that sees it happen in the workspace.
type Step struct {
	Title  string
	Do     string
	Expect string
	// Check reports whether the app has seen the step happen since the tour started.
	Check func(f *Facts) bool
}

// Steps is the tour. Adding a step is one entry.
var Steps = []Step{
	{
		Title:  "Turn contact owner-based routing on, as an admin",
		Do:     "Press s (Settings opens with ▸ on “Contact owner-based routing”), press space to switch it off, then space again to switch it on.",
		Expect: "The toggle flips, and the settings history records who flipped it and when (to read it: G, then j until “Settings history” is in view).",
		Check: func(f *Facts) bool {
			return f.flipped(routing.SettingOwnerRouting, "on", time.Time{}) != nil
		},
	},
	{
		Title:  "A closed conversation comes back to its owner",
		Do:     "Press i (it works in Settings too), type Priya (it picks Priya Shah: owner Lena, closed), tab twice (to Text), type a message, enter.",
		Expect: "The conversation reopens assigned to Lena — contact owner (rule 2a); no automation or round robin runs.",
		Check: func(f *Facts) bool {
			return f.note(func(n note) bool { return n.Reason == string(routing.ReasonOwner) })
		},
	},
	{
		Title:  "A new contact goes through automation and round robin",
		Do:     "Press i, type the new number +44 7700 900123, tab (to Name), type a name, tab twice (to Text), type “refund please” (the refunds rule; anything else goes to round robin), enter.",
		Expect: "No owner yet, so rule 3 runs: the refunds rule sends it to Billing, or round robin picks the least recently assigned online operator.",
		Check: func(f *Facts) bool {
			return f.note(func(n note) bool {
				return n.New && (n.Reason == string(routing.ReasonRoundRobin) || strings.HasPrefix(n.Reason, "rule:"))
			})
		},
	},
	{
		Title:  "An active assignee keeps the conversation; the owner follows",
		Do:     "Press i, type Jonas (open with Omar, owned by Ken), tab twice (to Text), type a message, enter.",
		Expect: "It stays with Omar (rule 1) and Omar becomes the contact owner; a system note says so.",
		Check: func(f *Facts) bool {
			return f.note(func(n note) bool { return n.Reason == string(routing.ReasonActiveAssignee) })
		},
	},
	{
		Title: "Owner outside the team: accept the team change",
		Do: "Press i, type Eve (owner Ken is in Sales; the conversation was in Support), tab twice (to Text), type a message, enter. " +
			"Press /, type Eve, enter (the team decision opens, Sales chosen), press y.",
		Expect: "The reopen waits for a decision (rule 2b); accepting moves it to Sales and assigns Ken.",
		Check: func(f *Facts) bool {
			return f.note(func(n note) bool { return n.Reason == string(routing.ReasonPromptAccepted) })
		},
	},
	{
		Title:  "Owner outside the team: decline the team change",
		Do:     "Press i, type Lucas (owner Inés is in Sales), tab twice (to Text), type a message, enter. Press /, type Lucas, enter (the team decision opens), press n.",
		Expect: "Bot takes the conversation; a system note and a notification to Inés explain she is not in Support.",
		Check: func(f *Facts) bool {
			return f.note(func(n note) bool { return n.Reason == string(routing.ReasonPromptDeclined) })
		},
	},
	{
		Title:  "Make someone outside the team the owner",
		Do:     "Press /, type Hana, enter (it opens Hana Sato, Support). Press o, move to Raj Mehta (Billing only), enter. Press y (or n: either answer does).",
		Expect: "Raj becomes the owner, the assignee stays, and you are asked to move the conversation to Billing.",
		// done once the question is answered: until then its dialog is open, and the next
		// step's keys would go to it
		Check: func(f *Facts) bool {
			asked := map[string]bool{}
			for _, n := range f.notes {
				switch {
				case n.Reason == string(routing.ReasonManualOwner) && strings.Contains(n.Text, " is not in "):
					asked[n.Contact] = true
				case asked[n.Contact] && (n.Reason == string(routing.ReasonPromptAccepted) || n.Reason == string(routing.ReasonPromptDeclined)):
					return true
				}
			}
			return false
		},
	},
	{
		Title:  "A call routes like a message",
		Do:     "Press i, type Noah (owner Omar, closed in Billing), tab (to What), press → until “call · answered” is chosen, tab (to Duration), type a duration in seconds, enter.",
		Expect: "The call reopens the conversation for Omar, exactly as a message would.",
		Check:  func(f *Facts) bool { return f.routedCall },
	},
	{
		Title: "An away owner is covered",
		Do: "Press s, press j until ▸ is on “Owner away”, press space (it says 0: a cover at once), esc. Press i, type Mila (owner Sofia, " +
			"offline), tab twice (to Text), type a message, enter.",
		Expect: "The message goes to a cover — “Covered by … — contact owner Sofia Rossi is offline” — and Sofia stays the owner.",
		Check: func(f *Facts) bool {
			return f.note(func(n note) bool {
				return (n.Reason == string(routing.ReasonOwnerAway) || n.Reason == string(routing.ReasonOwnerAwayFallback)) &&
					strings.HasPrefix(n.Text, "Covered by ")
			})
		},
	},
	{
		Title: "The owner is back: the conversation goes back to her",
		Do: "Press /, type Mila, enter: the pane shows “covering for Sofia Rossi”. Press c (it closes Mila's conversation). " +
			"Press u, move to Sofia Rossi, enter, press p (Sofia is online now). " +
			"Press u, move to Maya Patel, enter. Press i, type Mila, tab twice (to Text), type a message, enter.",
		Expect: "After the close, the next message brings it back to Sofia (“Back with Sofia Rossi”, the cover ended).",
		Check: func(f *Facts) bool {
			covered := map[string]bool{}
			for _, n := range f.notes {
				if n.Reason == string(routing.ReasonOwnerAway) || n.Reason == string(routing.ReasonOwnerAwayFallback) {
					covered[n.Contact] = strings.HasPrefix(n.Text, "Covered by ")
				}
				if n.Reason == string(routing.ReasonCoverEnded) && covered[n.Contact] {
					return true
				}
			}
			return false
		},
	},
	{
		Title:  "Routing off: the next reopen follows round robin",
		Do:     "Press s (▸ on “Contact owner-based routing”), press space (it switches off), esc. Press i, type Chloe (owner Lena, closed), tab twice (to Text), type a message, enter.",
		Expect: "Round robin (or a rule) assigns it; Lena stays the contact owner — turning routing off changes no data.",
		Check: func(f *Facts) bool {
			off := f.flipped(routing.SettingOwnerRouting, "off", time.Time{})
			return off != nil && f.note(func(n note) bool { return !n.At.Before(off.At) && routedOff(n) })
		},
	},
	{
		Title:  "Only admins can flip the toggle",
		Do:     "Press u, move to Lena Fischer (an operator), enter. Press s (▸ on “Contact owner-based routing”), press space.",
		Expect: "Refused: “Only admins can change routing settings”; nothing changes.",
		Check:  func(f *Facts) bool { return f.refusedNonAdmin },
	},
	{
		Title: "Leave routing as the team expects it",
		Do: "Press esc (back to the inbox), u, move to Maya Patel (an admin), enter. Press s (▸ on “Contact owner-based routing”), press space (it switches back on). " +
			"Press j until ▸ is on “Owner away”, press space until that row reads “▸ Owner away: off”, esc.",
		Expect: "Contact owner-based routing is on again and the owner-away wait is off, as the demo began (Sofia, put online for the cover step, stays online).",
		Check: func(f *Facts) bool {
			// routing was switched off and a reopen was routed without it (the step before),
			// then it was switched on again
			for i, off := range f.history {
				if off.Key != string(routing.SettingOwnerRouting) || off.To != "off" {
					continue
				}
				for _, on := range f.history[i+1:] {
					if on.Key != string(routing.SettingOwnerRouting) || on.To != "on" {
						continue
					}
					if f.note(func(n note) bool { return n.At.After(off.At) && n.At.Before(on.At) && routedOff(n) }) {
						return f.awayWaitOff()
					}
					break
				}
			}
			return false
		},
	},
}

// note is a system note the app wrote since the tour started, with what the tour needs to know
// about its conversation.
type note struct {
	inbox.Entry
	Contact  string
	Owner    string // the contact's owner now
	New      bool   // the conversation started after the tour did
	Reopened bool   // the conversation was closed before this note (a reopen routed it)
}

// Facts are what the app has seen since the tour started.
type Facts struct {
	history         []inbox.SettingChange
	notes           []note
	routedCall      bool
	refusedNonAdmin bool
}

func (f *Facts) note(match func(note) bool) bool {
	for _, n := range f.notes {
		if match(n) {
			return true
		}
	}
	return false
}

// awayWaitOff reports whether the owner-away wait is off again: the last change to it since
// the tour started (if any) is to off.
func (f *Facts) awayWaitOff() bool {
	for i := len(f.history) - 1; i >= 0; i-- {
		if f.history[i].Key == string(routing.SettingAwayWait) {
			return f.history[i].To == "off"
		}
	}
	return true
}

func (f *Facts) flipped(key routing.SettingKey, to string, after time.Time) *inbox.SettingChange {
	for i := range f.history {
		h := &f.history[i]
		if h.Key == string(key) && h.To == to && !h.At.Before(after) {
			return h
		}
	}
	return nil
}

// Tour runs the guided tour over a service: a step turns done when its check first passes, and
// stays done — across reopening the demo too, when the tour has a state file.
type Tour struct {
	svc   *inbox.Service
	start time.Time
	steps []Step
	path  string // the state file ("" keeps the progress in memory only)

	mu      sync.Mutex
	done    []bool
	refused bool
}

// tourState is what the state file keeps: when the tour started (its checks look at what
// happened since) and the titles of the steps done.
type tourState struct {
	Started time.Time `json:"started"`
	Done    []string  `json:"done"`
}

// StatePath is where the tour of the demo in dbPath keeps its progress: beside the file, so
// --reset (which deletes both) starts the tour again.
func StatePath(dbPath string) string { return dbPath + ".tour" }

// StepState is a step with whether it is done.
type StepState struct {
	Title, Do, Expect string
	Done              bool
}

// NewTour starts a tour, or picks up the one saved in the state file at path (see StatePath;
// "" keeps progress in memory only). A missing or unreadable state file starts the tour now.
// It watches the service's events until ctx ends, to see refused settings changes (which
// change nothing and so leave no other trace).
func NewTour(ctx context.Context, svc *inbox.Service, path string) *Tour {
	t := &Tour{svc: svc, start: time.Now().UTC().Add(-time.Second), steps: Steps, done: make([]bool, len(Steps)), path: path}
	if raw, err := os.ReadFile(path); path != "" && err == nil {
		var st tourState
		if json.Unmarshal(raw, &st) == nil && !st.Started.IsZero() {
			t.start = st.Started
			for i, s := range t.steps {
				t.done[i] = slices.Contains(st.Done, s.Title)
			}
		}
	}
	events := svc.Subscribe(ctx)
	go func() {
		for e := range events {
			if e.Kind == inbox.EventRefused && e.Reason == string(routing.SettingOwnerRouting) {
				if o, ok := svc.Operator(e.Actor); ok && o.Role != routing.RoleAdmin {
					t.mu.Lock()
					t.refused = true
					t.mu.Unlock()
				}
			}
		}
	}()
	return t
}

// Steps evaluates the tour: every step with whether it is done.
func (t *Tour) Steps(ctx context.Context) []StepState {
	f, err := t.facts(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]StepState, len(t.steps))
	changed := false
	for i, s := range t.steps {
		if !t.done[i] && err == nil {
			f.refusedNonAdmin = t.refused
			t.done[i] = s.Check(f)
			changed = changed || t.done[i]
		}
		out[i] = StepState{Title: s.Title, Do: s.Do, Expect: s.Expect, Done: t.done[i]}
	}
	if changed {
		t.save()
	}
	return out
}

// Restart starts the tour over: the demo's conversations the steps use are put back as the
// demo began (PutBack), every step is not done, and its checks look only at what happens from
// now on (the state file is rewritten, so a reopened demo starts from here too). When they
// cannot be put back, nothing of the tour changes and the error says to start a fresh demo.
func (t *Tour) Restart(ctx context.Context) error {
	if err := PutBack(ctx, t.svc); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start = time.Now().UTC()
	t.done = make([]bool, len(t.steps))
	t.refused = false
	t.save()
	return nil
}

// tourNumbers are the contacts the steps name (by number): the tour runs only on a workspace
// that has them (the demo, not a generated one).
var tourNumbers = []string{"4915112345001", "4915112345002", "4915112345003", "4915112345004", "4915112345005",
	"4915112345006", "4915112345007", "4915112345008"}

// tourNewNumber is the new contact step 3 adds: a tour started again needs it new again.
const tourNewNumber = "+44 7700 900123"

// tourPeople are the operators and teams the tour's contacts belong to.
var (
	tourPeople = []string{"lena", "ken", "ines", "omar", "sofia"}
	tourTeams  = []string{"support", "billing", "sales"}
)

// PutBack puts what the tour changes back as the demo began, through the service as the demo's
// admin, so that the tour can be followed again word for word: the tour's contacts with their
// conversations as seeded (each deleted and added again), the new contact step 3 adds removed,
// Sofia offline, contact owner-based routing on and the owner-away wait off. The rest of the
// workspace (other conversations, the settings history, notifications) stays as it is. It
// checks first that the demo's admin, people and teams are still there, and changes nothing
// when not.
func PutBack(ctx context.Context, svc *inbox.Service) error {
	fresh := func(why string) error {
		return fmt.Errorf("The tour cannot start again here: %s. Start a fresh demo: quit, then run switchboard demo --reset", why)
	}
	if o, ok := svc.Operator(Admin); !ok || o.Role != routing.RoleAdmin {
		return fresh("Maya Patel, the demo's admin, is not an admin here any more")
	}
	for _, id := range tourPeople {
		if _, ok := svc.Operator(id); !ok {
			return fresh("operator " + id + " is gone")
		}
	}
	for _, id := range tourTeams {
		if !slices.ContainsFunc(svc.Teams(ctx), func(t inbox.Team) bool { return t.ID == id }) {
			return fresh("team " + id + " is gone")
		}
	}
	doc := Workspace(time.Now().UTC())
	var contacts []inbox.DocContact
	var convs []inbox.DocConversation
	for i, c := range doc.Contacts {
		if slices.Contains(tourNumbers, c.ID) {
			contacts = append(contacts, c)
			convs = append(convs, doc.Conversations[i])
		}
	}
	for _, id := range append(slices.Clone(tourNumbers), tourNewNumber) {
		ct, err := svc.Contact(ctx, id)
		if inbox.KindOf(err) == inbox.NotFound {
			continue
		}
		if err == nil {
			err = svc.DeleteContact(ctx, Admin, ct.ID)
		}
		if err != nil {
			return fresh(err.Error())
		}
	}
	if err := svc.AddConversations(ctx, Admin, contacts, convs); err != nil {
		return fresh(err.Error())
	}
	if o, _ := svc.Operator("sofia"); o.Status != "offline" {
		if err := svc.SetPresence(ctx, Admin, "sofia", "offline"); err != nil {
			return fresh(err.Error())
		}
	}
	st := svc.Settings(ctx)
	if !st.ContactOwnerRouting {
		if _, err := svc.SetOwnerRouting(ctx, Admin, true); err != nil {
			return fresh(err.Error())
		}
	}
	if st.OwnerAwayWait != "" && st.OwnerAwayWait != "off" {
		if _, err := svc.SetAwayWait(ctx, Admin, "off"); err != nil {
			return fresh(err.Error())
		}
	}
	return nil
}

// Fits reports whether the tour's steps can be followed on the workspace svc serves: every
// contact they name is there. A generated workspace (--contacts N) has none of them.
func Fits(ctx context.Context, svc *inbox.Service) bool {
	for _, id := range tourNumbers {
		if _, err := svc.Conversation(ctx, svc.DefaultOperator(), id, "", 1); err != nil {
			return false
		}
	}
	return true
}

// save writes the progress to the state file (best effort: the tour goes on in memory if the
// file cannot be written). Called with t.mu held.
func (t *Tour) save() {
	if t.path == "" {
		return
	}
	st := tourState{Started: t.start, Done: []string{}}
	for i, s := range t.steps {
		if t.done[i] {
			st.Done = append(st.Done, s.Title)
		}
	}
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return
	}
	tmp := t.path + ".tmp"
	if os.WriteFile(tmp, append(raw, '\n'), 0o600) == nil {
		os.Rename(tmp, t.path)
	}
}

// facts reads what happened since the tour started: the settings history and the system notes
// of conversations active since then.
func (t *Tour) facts(ctx context.Context) (*Facts, error) {
	f := &Facts{}
	hist, err := t.svc.History(ctx)
	if err != nil {
		return nil, err
	}
	for _, h := range hist {
		if !h.At.Before(t.start) {
			f.history = append(f.history, h)
		}
	}
	asker := t.svc.DefaultOperator()
	cursor := ""
	for {
		page, err := t.svc.List(ctx, inbox.Filter{View: inbox.ViewAll, Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Conversations {
			if c.LastAt.Before(t.start) {
				return f, nil // the rest is older than the tour
			}
			d, err := t.svc.Conversation(ctx, asker, c.Contact.ID, "", 200)
			if err != nil {
				return nil, err
			}
			isNew := d.Older == "" && len(d.Timeline) > 0 && !d.Timeline[0].At.Before(t.start)
			closed := false
			var lastCall *inbox.Entry
			for i, e := range d.Timeline {
				if e.Kind == "note" && (e.Reason == string(routing.ReasonClosed)) {
					closed = true
				}
				if e.Kind == "note" && e.Reason == string(routing.ReasonReopened) {
					closed = false
				}
				if e.At.Before(t.start) {
					continue
				}
				switch e.Kind {
				case "call":
					lastCall = &d.Timeline[i]
				case "note":
					n := note{Entry: e, Contact: c.Contact.ID, Owner: c.OwnerID(), New: isNew, Reopened: closed}
					f.notes = append(f.notes, n)
					if lastCall != nil && routedReason(e.Reason) {
						f.routedCall = true
					}
					if routedReason(e.Reason) || e.Reason == string(routing.ReasonOwnerTeamMismatch) {
						closed = false
					}
				case "message":
					lastCall = nil
				}
			}
		}
		if page.Next == "" {
			return f, nil
		}
		cursor = page.Next
	}
}

// routedOff reports whether a note is a reopen of an owned contact's conversation routed as if
// owner routing were off (round robin, the default team or a rule).
func routedOff(n note) bool {
	return n.Owner != "" && n.Reopened &&
		(n.Reason == string(routing.ReasonRoundRobin) || n.Reason == string(routing.ReasonDefault) || strings.HasPrefix(n.Reason, "rule:"))
}

// routedReason reports whether a note's reason is an inbound routing decision.
func routedReason(r string) bool {
	switch routing.Reason(r) {
	case routing.ReasonOwner, routing.ReasonActiveAssignee, routing.ReasonOwnerTeamMismatch, routing.ReasonRoundRobin, routing.ReasonDefault,
		routing.ReasonOwnerAway, routing.ReasonOwnerAwayWait, routing.ReasonOutsideHours, routing.ReasonBalanced, routing.ReasonCoverEnded:
		return true
	}
	return strings.HasPrefix(r, "rule:")
}
