package inbox

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"switchboard/inbox/domain"
	"testing"
	"time"
)

// listAll pages through a view with a small page size and returns every conversation, failing
// on a duplicate or on an order that is not the filter's (newest first unless OldestFirst).
func listAll(t testing.TB, s *Service, f Filter) []ConversationView {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 7
	}
	var out []ConversationView
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 100000 {
			t.Fatalf("list %+v does not end", f)
		}
		p, err := s.List(ctx, f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		if len(p.Conversations) > f.Limit {
			t.Fatalf("list %+v: page of %d > limit %d", f, len(p.Conversations), f.Limit)
		}
		for _, c := range p.Conversations {
			if seen[c.Contact.ID] {
				t.Fatalf("list %+v: %s listed twice", f, c.Contact.ID)
			}
			seen[c.Contact.ID] = true
			if n := len(out); n > 0 && f.Order != OldestFirst && out[n-1].LastAt.Before(c.LastAt) {
				t.Fatalf("list %+v: %s (%v) after %s (%v): not newest first", f, c.Contact.ID, c.LastAt, out[n-1].Contact.ID, out[n-1].LastAt)
			}
			if n := len(out); n > 0 && f.Order == OldestFirst && c.LastAt.Before(out[n-1].LastAt) {
				t.Fatalf("list %+v: %s (%v) after %s (%v): not oldest first", f, c.Contact.ID, c.LastAt, out[n-1].Contact.ID, out[n-1].LastAt)
			}
			out = append(out, c)
		}
		if p.Next == "" {
			return out
		}
		f.Cursor = p.Next
	}
}

// checkInvariants checks, on the stored data, what must hold after every operation:
// invariant 1 of routing.md (a human assignee is a member of the conversation's team), that every view lists exactly the conversations it
// should, and that the counters equal the lengths of the lists.
func checkInvariants(t testing.TB, s *Service) {
	t.Helper()
	teams := map[string][]string{}
	for _, tm := range s.Teams(ctx) {
		teams[tm.ID] = tm.Members
	}
	all := listAll(t, s, Filter{View: ViewAll})
	want := map[string]int{}
	for _, c := range all {
		a := c.AssigneeID()
		if a != "" && a != "bot" && !slices.Contains(teams[c.Team], a) {
			t.Fatalf("invariant 1: %s is assigned to %s, who is not in team %q %v", c.Contact.ID, a, c.Team, teams[c.Team])
		}
		if _, ok := teams[c.Team]; !ok {
			t.Fatalf("%s is in team %q, which does not exist", c.Contact.ID, c.Team)
		}
		want["all"]++
		want[string(c.Status)]++
		if c.Prompt != nil {
			want["waiting"]++
		}
		if c.Backlog {
			want["backlog"]++
		}
		if c.Status == "open" {
			switch a {
			case "":
				want["unassigned"]++
			case "bot":
				want["bot"]++
			default:
				want["mine:"+a]++
			}
			want["team:"+c.Team]++
		}
	}
	got := map[string]int{}
	count := func(key string, f Filter) {
		newest := listAll(t, s, f)
		n := len(newest)
		if n != want[key] {
			t.Fatalf("view %s lists %d conversations, want %d", key, n, want[key])
		}
		got[key] = n
		// oldest first is the exact reverse
		f.Order = OldestFirst
		oldest := listAll(t, s, f)
		if len(oldest) != n {
			t.Fatalf("view %s lists %d conversations oldest first, %d newest first", key, len(oldest), n)
		}
		for i := range oldest {
			if oldest[i].Contact.ID != newest[n-1-i].Contact.ID {
				t.Fatalf("view %s oldest first differs from the reverse of newest first at %d", key, i)
			}
		}
	}
	count("all", Filter{View: ViewAll})
	count("open", Filter{View: ViewOpen})
	count("closed", Filter{View: ViewClosed})
	count("waiting", Filter{View: ViewWaiting})
	count("backlog", Filter{View: ViewBacklog})
	count("unassigned", Filter{View: ViewUnassigned})
	count("bot", Filter{View: ViewBot})
	for id := range teams {
		count("team:"+id, Filter{View: ViewTeam, Team: id})
	}
	for _, o := range s.Operators(ctx) {
		count("mine:"+o.ID, Filter{View: ViewMine, Operator: o.ID})
		c, err := s.Counts(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Mine != got["mine:"+o.ID] || c.Unassigned != got["unassigned"] || c.Bot != got["bot"] || c.Waiting != got["waiting"] || c.Backlog != got["backlog"] ||
			c.Open != got["open"] || c.Closed != got["closed"] || c.All != got["all"] {
			t.Fatalf("counts for %s = %+v, lists give %v", o.ID, c, got)
		}
		if n := s.ws.Load(o.ID); n != got["mine:"+o.ID] {
			t.Fatalf("routing counts %d open conversations of %s, the lists %d", n, o.ID, got["mine:"+o.ID])
		}
		for id := range teams {
			if c.Teams[id] != got["team:"+id] {
				t.Fatalf("counts for team %s = %d, list gives %d", id, c.Teams[id], got["team:"+id])
			}
		}
	}
}

// checkPresence checks, on the stored data, invariants 2 (amended) and 9 and what covers and
// the backlog must be: a backlog conversation is open with Bot and no decision; no team with a
// candidate now has one (after the timers due now fired, as the timer loop does); a cover stands
// in for the contact's owner.
func checkPresence(t testing.TB, s *Service, now time.Time) {
	t.Helper()
	cfg := s.cfg.Load()
	ws := buildWorkspace(cfg, nil)
	all := listAll(t, s, Filter{View: ViewAll})
	for _, c := range all {
		if c.Status == "open" {
			if a := c.AssigneeID(); a != "" && a != "bot" {
				ws.SetLoad(a, ws.Load(a)+1)
			}
		}
	}
	for _, c := range all {
		if c.Backlog && (c.Status != "open" || c.AssigneeID() != "bot" || c.Prompt != nil || c.BotHold) {
			t.Fatalf("%s is in the backlog as %+v", c.Contact.ID, c)
		}
		if c.Backlog && ws.HasCandidate(c.Team, now) {
			t.Fatalf("invariant 9: %s waits in %s's backlog while the team has a candidate (at %v)", c.Contact.ID, c.Team, now)
		}
		if c.Cover != nil && (c.AssigneeID() == "" || c.AssigneeID() == *c.Cover) {
			t.Fatalf("%s: a cover for %s with %q assigned", c.Contact.ID, *c.Cover, c.AssigneeID())
		}
		if c.Covering() && c.Status == "open" && ws.Settings.OwnerRoutingActive() && *c.Cover != c.OwnerID() {
			t.Fatalf("%s: %s covers for %s, but the owner is %q", c.Contact.ID, c.AssigneeID(), *c.Cover, c.OwnerID())
		}
	}
}

// convPart is the conversations, contacts and prompts of an export (what a settings flip must
// not change).
func convPart(t testing.TB, s *Service) string {
	t.Helper()
	doc := export(t, s)
	i := strings.Index(doc, "\n\"contacts\":")
	j := strings.Index(doc, "\n\"notifications\":")
	if i < 0 || j < i {
		t.Fatalf("export has no contacts..prompts section:\n%s", doc)
	}
	return doc[i:j]
}

var randomContacts = []string{"15550001111", "15550002222", "15550003333", "15550004444", "15550005555", "15550006666", "15550007777"}

// person is a customer of the random operations: a number and a BSUID, either of which an
// event may name them by (or both).
type person struct{ phone, bsuid string }

// checkOnePersonOneContact checks that no two contacts share a person's number or BSUID, and,
// for the people whose number and BSUID were seen together (linked), that one contact has both.
func checkOnePersonOneContact(t testing.TB, s *Service, people []person, linked map[int]bool) {
	t.Helper()
	cs := noErr(s.Contacts(ctx, "", 10000))(t)
	phones, bsuids := map[string]string{}, map[string]string{}
	for _, c := range cs {
		if c.Phone != "" {
			if other, dup := phones[c.Phone]; dup {
				t.Fatalf("number %s belongs to %s and %s", c.Phone, other, c.ID)
			}
			phones[c.Phone] = c.ID
		}
		if c.BSUID != "" {
			if other, dup := bsuids[c.BSUID]; dup {
				t.Fatalf("BSUID %s belongs to %s and %s", c.BSUID, other, c.ID)
			}
			bsuids[c.BSUID] = c.ID
		}
	}
	for i, p := range people {
		if linked[i] && phones[p.phone] != bsuids[p.bsuid] {
			t.Fatalf("%+v was seen with both identities but is contacts %q and %q", p, phones[p.phone], bsuids[p.bsuid])
		}
	}
}

// TestRandomOperationsKeepInvariants runs generated sequences of commands (valid and not) and
// checks after each one the invariants of routing.md that the stored data shows, the counters
// against the lists, and at the end that export → import → export gives the same bytes.
func TestRandomOperationsKeepInvariants(t *testing.T) {
	seeds, steps := 8, 160
	if testing.Short() {
		seeds, steps = 2, 80
	}
	reasons := map[string]int{} // the notes written, over every seed
	t.Cleanup(func() {
		t.Logf("notes by reason: %v", reasons)
		if testing.Short() || t.Failed() {
			return
		}
		for _, want := range []string{"owner_away", "owner_away_wait", "owner_away_fallback", "outside_hours", "round_robin_backlog", "balanced"} {
			if reasons[want] == 0 {
				t.Errorf("the generated operations wrote no %q note", want)
			}
		}
	})
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s, clk := newServiceClock(t, true)
			r := rand.New(rand.NewSource(int64(seed)))
			ops := []string{"alice", "bob", "carol", "dana", "erin", "frank"}
			pick := func(xs []string) string { return xs[r.Intn(len(xs))] }
			extID := 0
			var last []string
			// the people behind randomContacts: each also has a BSUID; events name them by either
			people := make([]person, len(randomContacts))
			for i, c := range randomContacts {
				people[i] = person{c, fmt.Sprintf("US.%d", 90000+i)}
			}
			linked := map[int]bool{}
			renumbered := 0
			// seeds start from different settings of routing that knows who is there
			if seed%2 == 0 {
				noErr(s.SetAwayWait(ctx, "alice", []string{"0", "15m"}[seed/2%2]))(t)
			}
			if seed%3 != 1 {
				noErr(s.SetAssignment(ctx, "alice", "balanced"))(t)
			}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("last operations:\n%s", strings.Join(last, "\n"))
				}
			})
			for step := 0; step < steps; step++ {
				pi := r.Intn(len(people))
				contact := people[pi].phone
				if r.Intn(3) == 0 {
					contact = people[pi].bsuid // a person's action names them by BSUID as well
				}
				by := pick(ops)
				var err error
				var what string
				before, _ := s.Conversation(ctx, "alice", contact, "", 50)
				routingOn := s.Settings(ctx).OwnerRoutingActive
				switch op := r.Intn(27); op {
				case 0, 1, 2, 3:
					extID++
					in := Inbound{Channel: "message", From: contact, Text: pick([]string{"hello", "I want a refund", "where is it"}), ExternalID: fmt.Sprintf("r.%d", extID)}
					if r.Intn(4) == 0 {
						in = Inbound{Channel: "call", From: contact, Outcome: CallOutcome(pick([]string{"ringing", "missed", "answered"})), Duration: 30, ExternalID: fmt.Sprintf("r.%d", extID)}
					}
					if r.Intn(2) == 0 { // number and BSUID together: the two are one person from now on
						in.From, in.BSUID = people[pi].phone, people[pi].bsuid
						linked[pi] = true
					}
					what = "inject " + in.Channel
					var out Outcome
					out, err = s.Inject(ctx, in)
					a := out.Conversation.AssigneeID()
					if err == nil && routingOn && out.Conversation.Prompt == nil && a != "" && a != "bot" && out.Conversation.OwnerID() != a &&
						!(out.Conversation.Covering() && *out.Conversation.Cover == out.Conversation.OwnerID()) {
						t.Fatalf("step %d: invariant 2: routing on, %s assigned to %s but owned by %q (%s)", step, contact, a, out.Conversation.OwnerID(), out.Why)
					}
				case 4:
					what = "reply"
					_, err = s.Reply(ctx, by, contact, "ok")
				case 5:
					to := pick(append([]string{"bot", "none"}, ops...))
					what = "assign " + to
					_, err = s.Assign(ctx, by, contact, to, before.Conversation.Version)
				case 6:
					to := pick(append([]string{"none"}, ops...))
					what = "owner " + to
					_, err = s.SetOwner(ctx, by, contact, to, before.Conversation.Version)
				case 7:
					tm := pick([]string{"support", "sales", "billing"})
					what = "team " + tm
					_, err = s.ChangeTeam(ctx, by, contact, tm, before.Conversation.Version)
				case 8:
					what = "close"
					_, err = s.CloseConversation(ctx, by, contact, 0)
				case 9:
					what = "reopen"
					_, err = s.ReopenConversation(ctx, by, contact, 0)
				case 10:
					what = "accept"
					_, err = s.Accept(ctx, by, contact, "")
				case 11:
					what = "decline"
					_, err = s.Decline(ctx, by, contact)
				case 12:
					st := pick([]string{"online", "away", "offline"})
					who := pick(ops)
					if r.Intn(2) == 0 {
						by = pick([]string{who, "alice"}) // their own, or an admin's: it happens
					}
					what = "presence " + who + " " + st
					err = s.SetPresence(ctx, by, who, st)
				case 13:
					what = "flip"
					conv := convPart(t, s)
					if r.Intn(2) == 0 {
						_, err = s.SetOwnerRouting(ctx, by, r.Intn(2) == 0)
						if convPart(t, s) != conv {
							t.Fatalf("step %d: invariant 4: a settings flip changed conversations", step)
						}
					} else {
						// round robin coming into force gives out the backlog (its own decisions, with
						// notes); turning it off changes nothing
						on := r.Intn(2) == 0
						_, err = s.SetRoundRobin(ctx, by, on)
						if !on && convPart(t, s) != conv {
							t.Fatalf("step %d: invariant 4: round robin off changed conversations", step)
						}
					}
				case 14:
					tm, op := pick([]string{"support", "sales", "billing"}), pick(ops)
					if r.Intn(2) == 0 {
						what = "add member " + op + " " + tm
						err = s.AddMember(ctx, "alice", tm, op)
					} else {
						what = "remove member " + op + " " + tm
						err = s.RemoveMember(ctx, "dana", tm, op)
					}
				case 15:
					what = "mark read"
					err = s.MarkRead(ctx, by, contact)
				case 16:
					if r.Intn(4) == 0 && len(s.Operators(ctx)) > 4 {
						victim := pick(ops[1:])
						what = "delete operator " + victim
						err = s.DeleteOperator(ctx, "alice", victim)
					}
				case 17:
					what = "rule"
					err = s.AddRule(ctx, "alice", domain.Rule{Name: fmt.Sprint("r", step), Keyword: pick([]string{"hello", "where"}), To: pick([]string{"bot", "team:sales", "operator:" + pick(ops)})})
				case 18:
					what = "plan"
					_, err = s.SetPlan(ctx, "dana", pick([]string{"growth", "pro", "business", "business"}))
				case 19:
					renumbered++
					np := fmt.Sprintf("1666000%04d", renumbered)
					what = "number change to " + np
					_, err = s.ChangeNumber(ctx, NumberChange{OldPhone: people[pi].phone, NewPhone: np, ExternalID: fmt.Sprintf("n.%d", renumbered)})
					if err == nil {
						people[pi].phone = np
					} else if KindOf(err) == NotFound {
						err = nil // nobody has that number yet
					}
				case 20:
					extID++
					what = "echo"
					_, err = s.RecordEcho(ctx, Echo{To: contact, Text: "sent from the phone", ExternalID: fmt.Sprintf("e.%d", extID)})
				case 21, 22:
					d := []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 7 * time.Hour, 30 * time.Hour}[r.Intn(5)]
					what = fmt.Sprint("time passes: ", d)
					clk.advance(d)
				case 23:
					v := pick([]string{"off", "0", "0", "5m", "30m"})
					what = "away wait " + v
					_, err = s.SetAwayWait(ctx, pick([]string{"alice", "dana", "carol"}), v)
				case 24:
					hc := HoursChange{Days: pick([]string{"mon-fri", "sat,sun", "tue", "mon-sun"}),
						Ranges: []string{pick([]string{"09:00-17:00", "00:00-06:00", "13:00-14:00", "20:00-24:00"})},
						TZ:     pick([]string{"", "UTC", "Europe/Berlin", "America/New_York"})}
					if r.Intn(4) == 0 {
						hc = HoursChange{Clear: true}
					}
					what = fmt.Sprintf("hours %+v", hc)
					_, err = s.ChangeHours(ctx, pick([]string{"alice", "dana", "erin"}), hc)
				case 25:
					on := r.Intn(3) == 0
					what = fmt.Sprint("holiday ", on)
					_, err = s.SetHoliday(ctx, "alice", on)
				case 26:
					switch r.Intn(3) {
					case 0:
						n := r.Intn(3)
						what = fmt.Sprint("default capacity ", n)
						_, err = s.SetDefaultMaxOpen(ctx, "dana", n)
					case 1:
						m := pick([]string{"round_robin", "balanced"})
						what = "assignment " + m
						_, err = s.SetAssignment(ctx, "alice", m)
					default:
						if o, ok := s.Operator(pick(ops)); ok {
							n := r.Intn(3)
							o.MaxOpen = &n
							if r.Intn(3) == 0 {
								o.MaxOpen = nil
							}
							what = fmt.Sprintf("%s's capacity %v", o.ID, o.MaxOpen)
							err = s.UpdateOperator(ctx, "alice", o)
						}
					}
				}
				last = append(last, fmt.Sprintf("step %d: %s by %s on %s: %v", step, what, by, contact, err))
				if len(last) > 8 {
					last = last[1:]
				}
				if k := KindOf(err); err != nil && (k == "" || k == Internal) {
					t.Fatalf("step %d %s by %s on %s: %v", step, what, by, contact, err)
				}
				// the timer loop fires what is due (at most a second late in the service)
				if _, ferr := s.FireTimers(ctx); ferr != nil {
					t.Fatalf("step %d: firing timers: %v", step, ferr)
				}
				checkInvariants(t, s)
				checkPresence(t, s, clk.peek())
				checkOnePersonOneContact(t, s, people, linked)
				// invariant 6: a change of assignee or team leaves a note saying who and why (among
				// the entries this step added: a merge of two contacts of one person adds its own)
				named := contact
				if before.Conversation.Contact.ID != "" {
					named = before.Conversation.Contact.ID // a number change leaves the id finding them
				}
				after, _ := s.Conversation(ctx, "alice", named, "", 50)
				if err == nil && before.Conversation.Status != "" && after.Conversation.Status != "" &&
					(before.Conversation.AssigneeID() != after.Conversation.AssigneeID() || before.Conversation.Team != after.Conversation.Team) {
					old := map[domain.EntryRef]bool{}
					for _, e := range before.Timeline {
						old[e.Ref] = true
					}
					if !slices.ContainsFunc(after.Timeline, func(e domain.Entry) bool {
						return !old[e.Ref] && e.Kind == "note" && e.Reason != "" && e.By != "" && e.Text != ""
					}) {
						t.Fatalf("step %d %s: assignee/team changed without a note: %+v", step, what, after.Timeline[len(after.Timeline)-1])
					}
				}
			}
			for _, c := range listAll(t, s, Filter{View: ViewAll}) {
				for _, e := range noErr(s.Conversation(ctx, "alice", c.Contact.ID, "", 500))(t).Timeline {
					if e.Kind == KindNote {
						reasons[e.Reason]++
					}
				}
			}
			first := export(t, s)
			s2 := newService(t, false)
			noErr(0, s2.Import(ctx, "", strings.NewReader(first), false))(t)
			if second := export(t, s2); second != first {
				t.Fatalf("round trip after random operations differs:\n%s", firstDiff(first, second))
			}
			checkInvariants(t, s2)
		})
	}
}

// firstDiff shows the first line where two documents differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(la), len(lb))
}
