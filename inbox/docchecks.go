package inbox

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// checkConsistency refuses a document that is well-formed field by field but would leave the
// workspace unmanageable or inconsistent once imported: nobody may administer it, a decision
// names a team that does not exist, an external id that names one entry in the workspace (an
// inbound message's, a call's, a reply's) appears twice, an id is longer than any command accepts, a
// counter is negative, round-robin memory names people who do not exist. validateDocument
// runs it after its own checks; field names are as in docs/workspace.md.
func checkConsistency(doc *Document) error {
	bad := func(field, format string, args ...any) error {
		return errorf(Invalid, "Invalid document: %s: %s", field, fmt.Sprintf(format, args...))
	}
	ops := map[string]bool{}
	admin := false
	for _, o := range doc.Operators {
		ops[o.ID] = true
		admin = admin || o.Role == routing.RoleAdmin
	}
	if len(doc.Operators) > 0 && !admin {
		return bad("operators", "no operator is an admin, so nobody could manage the workspace; give at least one \"role\": \"admin\"")
	}
	teams := map[string]bool{}
	for _, t := range doc.Teams {
		teams[t.ID] = true
	}
	replies := map[string]string{} // reply id → where it first appears
	inbound := map[string]string{} // inbound id (and call end id) → where it first appears
	for i, c := range doc.Conversations {
		f := fmt.Sprintf("conversations[%d]", i)
		if c.Unread < 0 {
			return bad(f+".unread", "is %d; a count of unread entries is 0 or more", c.Unread)
		}
		for j, e := range c.Timeline {
			fe := fmt.Sprintf("%s.timeline[%d]", f, j)
			if e.Duration < 0 {
				return bad(fe+".duration", "is %d; a call lasts 0 seconds or more", e.Duration)
			}
			if e.ID == "" {
				continue
			}
			if err := checkStoredExternalID("id", e.ID); err != nil {
				return bad(fe+".id", "%v", err) // what inject refuses, the same check (validate.go)
			}
			if e.Kind == "reply" {
				if first, dup := replies[e.ID]; dup {
					return bad(fe+".id", "%q is also the id of %s; a reply id names one reply in the workspace", e.ID, first)
				}
				replies[e.ID] = fe
				continue
			}
			ids := []string{e.ID}
			if e.Kind == "call" && (e.Outcome == CallAnswered || e.Outcome == CallMissed) {
				ids = append(ids, e.ID+":terminate") // what import stores for the call's end
			}
			for _, id := range ids {
				if first, dup := inbound[id]; dup {
					return bad(fe+".id", "%q is also the id of %s; an inbound message or call id names one entry in the workspace (an ended call also takes %q): remove the \"id\" of the one stored twice (the later, a redelivery)", e.ID, first, e.ID+":terminate")
				}
				inbound[id] = fe
			}
		}
	}
	for i, p := range doc.Prompts {
		if !teams[p.Team] {
			return bad(fmt.Sprintf("prompts[%d].team", i), "team %q not found", p.Team)
		}
	}
	for _, team := range slices.Sorted(maps.Keys(doc.RoundRobin)) {
		for _, id := range slices.Sorted(maps.Keys(doc.RoundRobin[team].Last)) {
			if !ops[id] {
				return bad(fmt.Sprintf("round_robin.%s.last", team), "operator %q not found (round-robin memory is kept for operators only)", id)
			}
		}
	}
	return nil
}

// knownPeopleOnly drops from round-robin memory the operators who are no longer in the
// workspace (the memory of a team is written at its next pick, so it may still name someone
// deleted since): they play no part in a pick, and an import refuses them.
func knownPeopleOnly(rr map[string]routing.RoundRobinState, ops []domain.Operator) map[string]routing.RoundRobinState {
	known := map[string]bool{}
	for _, o := range ops {
		known[o.ID] = true
	}
	for team, st := range rr {
		for id := range st.Last {
			if !known[id] {
				delete(st.Last, id)
			}
		}
		rr[team] = st
	}
	return rr
}

// keyTooLarge turns bbolt's "key too large" while writing a document into an error naming the
// field whose value would not fit in a key. Validation bounds every field a key is made of, so
// this is a backstop; it looks for the longest such field rather than repeating how each key
// is built.
func keyTooLarge(doc *Document, err error) error {
	if !errors.Is(err, domain.ErrTooLarge) {
		return err
	}
	field, n := "", 0
	consider := func(f, v string) {
		if len(v) > n {
			field, n = f, len(v)
		}
	}
	for i, o := range doc.Operators {
		consider(fmt.Sprintf("operators[%d].id", i), o.ID)
	}
	for i, t := range doc.Teams {
		consider(fmt.Sprintf("teams[%d].id", i), t.ID)
	}
	for i, c := range doc.Contacts {
		consider(fmt.Sprintf("contacts[%d].id", i), c.ID)
		consider(fmt.Sprintf("contacts[%d].name", i), c.Name)
	}
	for i, c := range doc.Conversations {
		for j, e := range c.Timeline {
			consider(fmt.Sprintf("conversations[%d].timeline[%d].id", i, j), e.ID)
		}
	}
	for i, nt := range doc.Notifications {
		consider(fmt.Sprintf("notifications[%d].to", i), nt.To)
	}
	for team := range doc.RoundRobin {
		consider("round_robin", team)
	}
	if field == "" {
		return errorf(Invalid, "Invalid document: a value is too long to be stored (%v); nothing was changed", err)
	}
	return errorf(Invalid, "Invalid document: %s: is %d bytes long, too long to be stored; nothing was changed", field, n)
}
