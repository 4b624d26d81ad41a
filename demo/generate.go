package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"switchboard/inbox"
	"switchboard/routing"
)

// MaxContacts is the largest workspace Generate builds.
const MaxContacts = 1_000_000

// chunk is how many contacts one transaction loads.
const chunk = 5000

// Generate fills an empty service with a large workspace for load and performance work: the
// demo's teams, operators and rules, and n contacts, each with a conversation and a short
// timeline (message, routing note, reply, sometimes a call). progress is told after every
// chunk. The content is the same for the same n.
func Generate(ctx context.Context, svc *inbox.Service, n int, progress func(done, total int)) error {
	if n < 1 || n > MaxContacts {
		return fmt.Errorf("--contacts must be between 1 and %d, not %d", MaxContacts, n)
	}
	now := time.Now().UTC().Truncate(time.Second)
	base := inbox.Document{Format: inbox.Format,
		Settings: inbox.Settings{Plan: "business", ContactOwnerRouting: true, RoundRobin: true, DefaultTeam: "support", Rules: rules},
		Teams:    teams, Operators: operators}
	if err := importDoc(ctx, svc, base); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	teamIDs := []string{"support", "support", "sales", "billing"}
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		contacts := make([]inbox.DocContact, 0, end-start)
		convs := make([]inbox.DocConversation, 0, end-start)
		for i := start; i < end; i++ {
			id := fmt.Sprintf("1555%07d", i)
			team := teamIDs[rng.IntN(len(teamIDs))]
			// as live traffic is routed: round robin in the team picks one of its members with
			// the operator role (never an admin); the one it picked becomes the contact owner
			// when owner routing is on, as rule 1 makes the person handling it the owner; a
			// tenth found nobody online, so Bot has it
			members := roundRobinCandidates(team)
			a := members[rng.IntN(len(members))]
			owner, assignee := &a, &a
			why := fmt.Sprintf("No contact owner (rule 3): round robin in %s picked %s", teamName(team), opName(a))
			switch r := rng.IntN(10); {
			case r < 5:
			case r < 9:
				owner = nil // the owner was cleared since (or never set): the assignee stays
			default:
				b := routing.Bot
				owner, assignee = nil, &b
				why = fmt.Sprintf("No contact owner (rule 3): round robin in %s: nobody online to pick, so Bot has it", teamName(team))
			}
			name := fillerNames[rng.IntN(len(fillerNames))]
			contacts = append(contacts, inbox.DocContact{ID: id, Name: fmt.Sprintf("%s %d", name, i), Owner: owner, Tags: []string{}})
			// activity spread over the last 30 days
			at := now.Add(-time.Duration(rng.IntN(30*24*3600)) * time.Second)
			lines := fillerLines[rng.IntN(len(fillerLines))]
			tl := []inbox.Entry{{At: at, Kind: "message", ID: "wamid.gen." + id, Text: lines[0]},
				{At: at, Kind: "note", By: "routing", Reason: "round_robin", Text: why}}
			if len(lines) > 1 && *assignee != routing.Bot {
				by := a
				tl = append(tl, inbox.Entry{At: at.Add(time.Minute), Kind: "reply", By: by, Text: lines[1], ID: "sb." + id + ".3", Delivery: "delivered"})
			}
			if rng.IntN(6) == 0 {
				tl = append(tl, inbox.Entry{At: at.Add(2 * time.Minute), Kind: "call", ID: "wacid.gen." + id, Outcome: "missed"})
			}
			status := "closed"
			if rng.IntN(10) < 4 {
				status = "open"
			}
			convs = append(convs, inbox.DocConversation{Contact: id, Status: routing.Status(status), Assignee: assignee, Team: team, Timeline: tl,
				Why: why, WhyReason: "round_robin"})
		}
		if err := svc.AddConversations(ctx, Admin, contacts, convs); err != nil {
			return err
		}
		if progress != nil {
			progress(end, n)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// roundRobinCandidates are the team's members round robin may pick: the operator role only
// (routing.md: admins are never picked).
func roundRobinCandidates(team string) []string {
	var out []string
	for _, t := range teams {
		if t.ID != team {
			continue
		}
		for _, m := range t.Members {
			for _, o := range operators {
				if o.ID == m && o.Role == routing.RoleOperator {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

func opName(id string) string {
	for _, o := range operators {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}
