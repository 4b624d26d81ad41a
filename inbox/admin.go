package inbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// adminStage checks that by is an admin and returns a copy of the staged configuration for the
// command to change.
func (w *wtx) adminStage(by string) (*config, error) {
	if err := w.requireAdmin(by); err != nil {
		return nil, err
	}
	return w.s.stage.clone(), nil
}

// teamAt returns the index of a team, or a not-found error naming it.
func (c *config) teamAt(id string) (int, error) {
	i, ok := c.teamIdx[id]
	if !ok {
		return 0, errorf(NotFound, "Team %q not found; see `switchboard teams`", id)
	}
	return i, nil
}

// opAt returns the index of an operator, or a not-found error naming them.
func (c *config) opAt(id string) (int, error) {
	i, ok := c.opIdx[id]
	if !ok {
		return 0, errorf(NotFound, "Operator %q not found; see `switchboard operators`", id)
	}
	return i, nil
}

// configChanged makes c the staged configuration and tells subscribers.
func (w *wtx) configChanged(c *config, by string) {
	w.setConfig(c)
	w.emit(Event{Kind: EventConfig, Actor: by})
}

func (w *wtx) requireAdmin(by string) error {
	o, ok := w.s.stage.op(by)
	if !ok {
		return unknownActor(by)
	}
	if o.Role != routing.RoleAdmin {
		return errorf(Forbidden, "Only admins can do this; ask an admin (see `switchboard operators`)")
	}
	return nil
}

// setting runs a settings change that routing decides, records it in the history, and
// changes nothing else.
func (s *Service) setting(ctx context.Context, by string, key routing.SettingKey, decide func(w *routing.Workspace, at time.Time) (routing.SettingChange, error)) (domain.SettingChange, error) {
	var out domain.SettingChange
	err := s.do(ctx, func(w *wtx) error {
		at := s.at(time.Time{})
		ch, err := decide(w.s.ws, at)
		if err != nil {
			return fromRouting(err)
		}
		out = domain.SettingChange{Key: string(ch.Key), By: ch.By, At: ch.At, From: ch.From, To: ch.To}
		if !ch.Changed() {
			return nil
		}
		w.write()
		c := w.s.stage.clone()
		rs := ch.Apply(toRoutingSettings(c.settings))
		c.settings.Plan, c.settings.ContactOwnerRouting, c.settings.RoundRobin, c.settings.DefaultTeam =
			rs.Plan, rs.ContactOwnerRouting, rs.RoundRobin, rs.DefaultTeam
		if err := w.tx.PutSettings(c.settings); err != nil {
			return must(err)
		}
		if out, err = w.tx.AddHistory(out); err != nil {
			return must(err)
		}
		w.setConfig(c)
		w.emit(Event{Kind: EventConfig, Actor: ch.By})
		if key == routing.SettingRoundRobin || key == routing.SettingPlan {
			// round robin may have come into force: the online members are candidates now, so
			// the backlogs are swept after the change (the change itself changes nothing)
			w.markAll(routing.TriggerSettings)
		}
		return nil
	})
	if KindOf(err) == Forbidden {
		s.publish([]Event{{Kind: EventRefused, Actor: by, Why: err.Error(), Reason: string(key)}})
	}
	return out, err
}

// SetOwnerRouting turns contact owner-based routing on or off (admins; Pro and Business).
func (s *Service) SetOwnerRouting(ctx context.Context, by string, on bool) (domain.SettingChange, error) {
	return s.setting(ctx, by, routing.SettingOwnerRouting, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecideOwnerRouting(w, by, on, at)
	})
}

// SetRoundRobin turns round robin on or off (admins; Business).
func (s *Service) SetRoundRobin(ctx context.Context, by string, on bool) (domain.SettingChange, error) {
	return s.setting(ctx, by, routing.SettingRoundRobin, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecideRoundRobin(w, by, on, at)
	})
}

// SetPlan changes the plan (admins).
func (s *Service) SetPlan(ctx context.Context, by, plan string) (domain.SettingChange, error) {
	return s.setting(ctx, by, routing.SettingPlan, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecidePlan(w, by, routing.Plan(plan), at)
	})
}

// SetDefaultTeam changes the default team (admins).
func (s *Service) SetDefaultTeam(ctx context.Context, by, team string) (domain.SettingChange, error) {
	return s.setting(ctx, by, routing.SettingDefaultTeam, func(w *routing.Workspace, at time.Time) (routing.SettingChange, error) {
		return routing.DecideDefaultTeam(w, by, team, at)
	})
}

// SetPresence sets an operator's status (themselves, or anyone for an admin). It changes no
// assignment of theirs; it takes them in or out of round robin, and an operator who comes
// online takes what waits in their teams' backlogs (round_robin_backlog). Every change of an
// operator goes through setOperator, which says what it means to routing, so presence a door
// sets (an SSH session coming and going) sweeps the backlogs too, when it is set through here
// or UpdateOperator.
func (s *Service) SetPresence(ctx context.Context, by, operator, status string) error {
	if !routing.Presence(status).Valid() {
		return errorf(Invalid, "Unknown status %q: use online, away or offline", status)
	}
	return s.do(ctx, func(w *wtx) error {
		c, i, err := w.presenceOf(by, operator)
		if err != nil {
			return err
		}
		if c.ops[i].Status == routing.Presence(status) && c.ops[i].PresenceManual {
			return nil
		}
		w.write()
		// set by hand: it stays until they set it back to automatic (SetPresenceAuto)
		return w.putPresence(c, i, routing.Presence(status), whyByHand, true, by)
	})
}

// SetPresenceIdle sets how long without a key press an operator whose status follows their
// sessions stays online (admins; 0 is the default, 10 minutes). Recorded in the settings
// history.
func (s *Service) SetPresenceIdle(ctx context.Context, by string, d time.Duration) (domain.SettingChange, error) {
	if d < 0 || (d > 0 && d < time.Minute) || d > 24*time.Hour {
		return domain.SettingChange{}, errorf(Invalid, "The idle time %s is out of range: give 1m to 24h (or 0 for the default, 10m)", domain.Duration(d))
	}
	var out domain.SettingChange
	err := s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return errorf(Forbidden, "Only admins can change when people count as away; ask an admin (see `switchboard operators`)")
		}
		show := func(v domain.Duration) string {
			if v == 0 {
				return domain.Duration(DefaultPresenceIdle).String()
			}
			return v.String()
		}
		out = domain.SettingChange{Key: "presence_idle", By: by, At: s.at(time.Time{}), From: show(c.settings.PresenceIdle), To: show(domain.Duration(d))}
		if c.settings.PresenceIdle == domain.Duration(d) {
			return nil
		}
		w.write()
		c.settings.PresenceIdle = domain.Duration(d)
		if err := w.tx.PutSettings(c.settings); err != nil {
			return must(err)
		}
		if out, err = w.tx.AddHistory(out); err != nil {
			return must(err)
		}
		w.configChanged(c, by)
		return nil
	})
	return out, err
}

// setOperator stores operator o at index i of the staged configuration c and says what the
// change means to routing: an operator who came online, became an operator or got more room
// takes what waits in their teams' backlogs; a change of their own capacity is recorded in the
// settings history.
func (w *wtx) setOperator(c *config, i int, o domain.Operator, by string) error {
	old := c.ops[i]
	w.write()
	c.ops[i] = o
	if err := w.tx.PutOperator(o); err != nil {
		return must(err)
	}
	if !sameMax(old.MaxOpen, o.MaxOpen) {
		n, has := 0, o.MaxOpen != nil
		if has {
			n = *o.MaxOpen
		}
		ch, err := routing.DecideOperatorMaxOpen(w.s.ws, by, o.ID, n, has, w.s.at(time.Time{}))
		if err != nil {
			return fromRouting(err)
		}
		if _, err := w.tx.AddHistory(domain.SettingChange{Key: string(ch.Key), By: ch.By, At: ch.At, From: ch.From, To: ch.To}); err != nil {
			return must(err)
		}
		w.markOperator(routing.TriggerCapacity, o.ID)
	}
	w.configChanged(c, by)
	switch {
	case o.Status == routing.Online && old.Status != routing.Online:
		w.markOperator(routing.TriggerOnline, o.ID)
	case o.Role == routing.RoleOperator && old.Role != routing.RoleOperator:
		w.markOperator(routing.TriggerMember, o.ID)
	}
	return nil
}

func sameMax(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// MarkNotificationsRead marks the operator's notifications read: the given ones, or all when
// seqs is empty.
func (s *Service) MarkNotificationsRead(ctx context.Context, by string, seqs ...uint64) error {
	return s.do(ctx, func(w *wtx) error {
		if _, ok := w.s.stage.op(by); !ok {
			return unknownActor(by)
		}
		ns, err := w.tx.Notifications(by, false)
		if err != nil {
			return must(err)
		}
		for _, n := range ns {
			if len(seqs) > 0 && !slices.Contains(seqs, n.Seq) {
				continue
			}
			w.write()
			n.Read = true
			if err := w.tx.PutNotification(n); err != nil {
				return must(err)
			}
		}
		if w.dirty {
			w.emit(Event{Kind: EventNotification, To: by})
		}
		return nil
	})
}

// ---- operators ----

// AddOperator adds an operator (admins).
func (s *Service) AddOperator(ctx context.Context, by string, o domain.Operator) error {
	if err := checkOperator(o); err != nil {
		return err
	}
	if err := checkVisibleName("operator name", o.Name); err != nil {
		return err
	}
	return s.do(ctx, func(w *wtx) error {
		if len(w.s.stage.ops) == 0 {
			// an empty workspace: the first operator sets it up, and must be an admin
			if o.Role != routing.RoleAdmin {
				return errorf(Invalid, "The first operator of a workspace must be an admin (--role admin)")
			}
		} else if err := w.requireAdmin(by); err != nil {
			return err
		}
		if _, ok := w.s.stage.op(o.ID); ok {
			return errorf(Conflict, "Operator %q already exists; use `switchboard operators edit` to change them", o.ID)
		}
		if _, err := keyOwners(append(slices.Clone(w.s.stage.ops), o)); err != nil {
			return err
		}
		w.write()
		c := w.s.stage.clone()
		c.ops = append(c.ops, o)
		slices.SortFunc(c.ops, func(a, b domain.Operator) int { return strings.Compare(a.ID, b.ID) })
		if err := w.tx.PutOperator(o); err != nil {
			return must(err)
		}
		w.configChanged(newConfig(c.settings, c.ops, c.teams), by)
		return nil
	})
}

func checkOperator(o domain.Operator) error {
	if err := checkID("operator", o.ID); err != nil {
		return err
	}
	if err := checkName("operator name", o.Name); err != nil {
		return err
	}
	if strings.TrimSpace(o.Name) == "" {
		return errorf(Invalid, "Operator %q needs a name", o.ID)
	}
	if !routing.Role(o.Role).Valid() {
		return errorf(Invalid, "Unknown role %q for operator %q: use admin or operator", o.Role, o.ID)
	}
	if !routing.Presence(o.Status).Valid() {
		return errorf(Invalid, "Unknown status %q for operator %q: use online, away or offline", o.Status, o.ID)
	}
	if o.MaxOpen != nil {
		if err := routing.CheckCapacity(*o.MaxOpen); err != nil {
			return errorf(Invalid, "max_open of operator %q: %v", o.ID, err)
		}
	}
	return checkKeys(o)
}

// UpdateOperator changes an operator's name, role or status (admins). An admin cannot demote the
// last admin.
func (s *Service) UpdateOperator(ctx context.Context, by string, o domain.Operator) error {
	if err := checkOperator(o); err != nil {
		return err
	}
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		i, err := c.opAt(o.ID)
		if err != nil {
			return err
		}
		if o.Name != c.ops[i].Name {
			if err := checkVisibleName("operator name", o.Name); err != nil {
				return err
			}
		}
		if c.ops[i].Role == "admin" && o.Role != "admin" && len(w.admins()) == 1 {
			return errorf(Invalid, "%s is the last admin; make someone else an admin first", c.ops[i].Name)
		}
		// the keys change only by AddKey and RemoveKey; a status set here is set by hand
		o.Keys = c.ops[i].Keys
		o.PresenceManual = c.ops[i].PresenceManual || o.Status != c.ops[i].Status
		return w.setOperator(c, i, o, by)
	})
}

// DeleteOperator removes an operator (admins): out of every team, unassigned from their
// conversations and no longer the owner of their contacts, each with a system note.
func (s *Service) DeleteOperator(ctx context.Context, by, id string) error {
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		i, err := c.opAt(id)
		if err != nil {
			return err
		}
		if id == by {
			return errorf(Invalid, "You cannot delete yourself; ask another admin")
		}
		if c.ops[i].Role == "admin" && len(w.admins()) == 1 {
			return errorf(Invalid, "%s is the last admin and cannot be deleted", c.ops[i].Name)
		}
		for _, r := range c.settings.Rules {
			if r.To == "operator:"+id {
				return errorf(Invalid, "Automation rule %q sends conversations to %s; change or remove it first", r.Name, c.ops[i].Name)
			}
		}
		w.write()
		// their notifications are addressed to nobody now
		if err := w.tx.DeleteNotifications(id); err != nil {
			return must(err)
		}
		// the conversations and contacts to touch, found before the configuration changes
		touched := map[string]bool{}
		for _, st := range []string{"open", "closed"} {
			if err := w.collect(byAssignee(id, st), nil, touched); err != nil {
				return err
			}
		}
		if err := w.collect(domain.Query{Waiting: true}, func(cv *domain.Conversation) bool {
			return cv.Prompt != nil && (cv.Prompt.Target == id || cv.Prompt.RaisedBy == id)
		}, touched); err != nil {
			return err
		}
		if err := w.tx.Contacts(func(ct domain.Contact) bool {
			if ct.Owner == id {
				touched[ct.ID] = true
			}
			return true
		}); err != nil {
			return must(err)
		}
		c.ops = slices.Delete(c.ops, i, i+1)
		for ti := range c.teams {
			if j := slices.Index(c.teams[ti].Members, id); j >= 0 {
				c.teams[ti].Members = slices.Delete(c.teams[ti].Members, j, j+1)
				if err := w.tx.PutTeam(c.teams[ti]); err != nil {
					return must(err)
				}
			}
		}
		if err := w.tx.DeleteOperator(id); err != nil {
			return must(err)
		}
		w.setConfig(newConfig(c.settings, c.ops, c.teams))
		at := s.at(time.Time{})
		for _, cid := range sortedKeys(touched) {
			if err := w.redecide(cid, func(rc routing.Contact, rv routing.Conversation) routing.Decision {
				return routing.DecideOperatorDeleted(w.s.ws, rc, rv, id, at)
			}); err != nil {
				return err
			}
		}
		w.emit(Event{Kind: EventConfig, Actor: by})
		return nil
	})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// collect adds the contact ids of an index's conversations (that keep accepts) to into.
func (w *wtx) collect(ix domain.Query, keep func(*domain.Conversation) bool, into map[string]bool) error {
	cursor := ""
	for {
		convs, next, err := w.tx.List(ix, cursor, 500, keep)
		if err != nil {
			return must(err)
		}
		for _, cv := range convs {
			into[cv.Contact] = true
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// redecide applies a routing decision to one contact's conversation (or contact alone).
func (w *wtx) redecide(contact string, decide func(routing.Contact, routing.Conversation) routing.Decision) error {
	ct, ok, err := w.tx.Contact(contact)
	if err != nil {
		return must(err)
	}
	if !ok {
		return nil
	}
	cv, exists, err := w.tx.Conversation(contact)
	if err != nil {
		return must(err)
	}
	if !exists {
		cv = domain.Conversation{Contact: contact}
	}
	d := decide(routingContact(ct), routingConv(cv, exists))
	if !d.Changed() {
		return nil
	}
	out, err := w.apply(&ct, &cv, d, false)
	if err != nil {
		return err
	}
	w.emit(Event{Kind: EventConversation, Contact: contact, Actor: routing.Routing, Why: out.Why, Reason: out.Reason})
	return nil
}

// ---- teams ----

func checkTeam(t domain.Team) error {
	if err := checkID("team", t.ID); err != nil {
		return err
	}
	if err := checkName("team name", t.Name); err != nil {
		return err
	}
	if strings.TrimSpace(t.Name) == "" {
		return errorf(Invalid, "Team %q needs a name", t.ID)
	}
	return nil
}

// AddTeam adds a team (admins). Members must be existing operators. The first team becomes the
// default team.
func (s *Service) AddTeam(ctx context.Context, by string, t domain.Team) error {
	if err := checkTeam(t); err != nil {
		return err
	}
	if err := checkVisibleName("team name", t.Name); err != nil {
		return err
	}
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		if _, ok := c.team(t.ID); ok {
			return errorf(Conflict, "Team %q already exists", t.ID)
		}
		if t.Members == nil {
			t.Members = []string{}
		}
		for _, m := range t.Members {
			if _, ok := c.op(m); !ok {
				return errorf(NotFound, "Operator %q not found; add them before putting them in a team", m)
			}
		}
		w.write()
		c.teams = append(c.teams, t)
		if err := w.tx.PutTeam(t); err != nil {
			return must(err)
		}
		if c.settings.DefaultTeam == "" {
			c.settings.DefaultTeam = t.ID
			if err := w.tx.PutSettings(c.settings); err != nil {
				return must(err)
			}
		}
		w.configChanged(newConfig(c.settings, c.ops, c.teams), by)
		return nil
	})
}

// RenameTeam changes a team's name (admins).
func (s *Service) RenameTeam(ctx context.Context, by, id, name string) error {
	if err := checkTeam(domain.Team{ID: id, Name: name}); err != nil {
		return err
	}
	if err := checkVisibleName("team name", name); err != nil {
		return err
	}
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		i, err := c.teamAt(id)
		if err != nil {
			return err
		}
		w.write()
		c.teams[i].Name = name
		if err := w.tx.PutTeam(c.teams[i]); err != nil {
			return must(err)
		}
		w.configChanged(c, by)
		return nil
	})
}

// DeleteTeam removes a team that has no conversations and is not the default (admins).
func (s *Service) DeleteTeam(ctx context.Context, by, id string) error {
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		i, err := c.teamAt(id)
		if err != nil {
			return err
		}
		if c.settings.DefaultTeam == id {
			return errorf(Invalid, "%s is the default team; make another team the default first", c.teams[i].Name)
		}
		if n, err := w.tx.Count(domain.Query{}.WithTeam(id)); err != nil {
			return must(err)
		} else if n > 0 {
			return errorf(Invalid, "%s still has %d conversations; move them to another team first", c.teams[i].Name, n)
		}
		for _, r := range c.settings.Rules {
			if r.To == "team:"+id {
				return errorf(Invalid, "Automation rule %q sends conversations to %s; change or remove it first", r.Name, c.teams[i].Name)
			}
		}
		w.write()
		c.teams = slices.Delete(c.teams, i, i+1)
		if err := w.tx.DeleteTeam(id); err != nil {
			return must(err)
		}
		w.configChanged(newConfig(c.settings, c.ops, c.teams), by)
		return nil
	})
}

// AddMember adds an operator to a team, last in member order (admins).
func (s *Service) AddMember(ctx context.Context, by, team, operator string) error {
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		i, err := c.teamAt(team)
		if err != nil {
			return err
		}
		if _, ok := c.op(operator); !ok {
			return errorf(NotFound, "Operator %q not found; see `switchboard operators`", operator)
		}
		if slices.Contains(c.teams[i].Members, operator) {
			return errorf(Conflict, "%s is already in %s", c.name(operator), c.teams[i].Name)
		}
		w.write()
		c.teams[i].Members = append(c.teams[i].Members, operator)
		if err := w.tx.PutTeam(c.teams[i]); err != nil {
			return must(err)
		}
		w.configChanged(c, by)
		w.markSweep(routing.Trigger{Kind: routing.TriggerMember, Operator: operator}, team) // a new candidate?
		return nil
	})
}

// RemoveMember takes an operator out of a team (admins): their conversations in that team are
// unassigned with a system note; the next inbound event routes them again. Ownership stays.
func (s *Service) RemoveMember(ctx context.Context, by, team, operator string) error {
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		i, err := c.teamAt(team)
		if err != nil {
			return err
		}
		j := slices.Index(c.teams[i].Members, operator)
		if j < 0 {
			return errorf(NotFound, "%s is not in %s", c.name(operator), c.teams[i].Name)
		}
		w.write()
		touched := map[string]bool{}
		for _, st := range []string{"open", "closed"} {
			if err := w.collect(byAssignee(operator, st), func(cv *domain.Conversation) bool { return cv.Team == team }, touched); err != nil {
				return err
			}
		}
		if err := w.collect(domain.Query{Waiting: true}, func(cv *domain.Conversation) bool {
			return cv.Prompt != nil && cv.Prompt.Target == operator
		}, touched); err != nil {
			return err
		}
		c.teams[i].Members = slices.Delete(c.teams[i].Members, j, j+1)
		if err := w.tx.PutTeam(c.teams[i]); err != nil {
			return must(err)
		}
		w.setConfig(c)
		at := s.at(time.Time{})
		for _, cid := range sortedKeys(touched) {
			if err := w.redecide(cid, func(rc routing.Contact, rv routing.Conversation) routing.Decision {
				return routing.DecideMemberRemoved(w.s.ws, rc, rv, operator, team, at)
			}); err != nil {
				return err
			}
		}
		w.emit(Event{Kind: EventConfig, Actor: by})
		return nil
	})
}

// ---- contacts ----

// SaveContact adds a contact or changes its name and tags (admins). ct.ID names the contact as
// a person would (a number, a BSUID, @username or its id); an unknown number or BSUID adds a
// contact with it. The owner changes only through SetOwner, so that routing keeps owner and
// assignee in sync.
func (s *Service) SaveContact(ctx context.Context, by string, ct domain.Contact) (ContactView, error) {
	if err := checkName("contact name", ct.Name); err != nil {
		return ContactView{}, err
	}
	for _, t := range ct.Tags {
		if err := checkName("tag", t); err != nil {
			return ContactView{}, err
		}
	}
	var out ContactView
	err := s.do(ctx, func(w *wtx) error {
		if err := w.requireAdmin(by); err != nil {
			return err
		}
		cur, err := findContact(w.tx, ct.ID)
		switch {
		case KindOf(err) == NotFound:
			id, perr := parseIdentities(ct.ID, "", "", "")
			if perr != nil {
				return perr
			}
			cid, cerr := w.newContactID(id)
			if cerr != nil {
				return must(cerr)
			}
			cur = domain.Contact{ID: cid}
			applyIdentities(&cur, id)
		case err != nil:
			return readErr(err)
		}
		w.write()
		cur.Name, cur.Tags = strings.TrimSpace(ct.Name), ct.Tags
		if err := w.tx.PutContact(cur); err != nil {
			return must(err)
		}
		out = w.s.stage.contactView(cur)
		w.emit(Event{Kind: EventConfig, Actor: by, Contact: cur.ID})
		return nil
	})
	return out, err
}

// Contact returns the contact a person names: a number, a BSUID, @username or its id.
func (s *Service) Contact(ctx context.Context, contact string) (ContactView, error) {
	cfg := s.cfg.Load()
	var out ContactView
	err := s.db.View(func(tx domain.ReadTx) error {
		ct, err := findContact(tx, contact)
		out = cfg.contactView(ct)
		return err
	})
	return out, readErr0(err)
}

// DeleteContact removes a contact with its conversation and timeline (admins). A waiting team
// decision goes with it; notifications already sent stay.
func (s *Service) DeleteContact(ctx context.Context, by, contact string) error {
	return s.do(ctx, func(w *wtx) error {
		if err := w.requireAdmin(by); err != nil {
			return err
		}
		ct, err := findContact(w.tx, contact)
		if err != nil {
			return readErr(err)
		}
		cv, _, err := w.tx.Conversation(ct.ID)
		if err != nil {
			return must(err)
		}
		w.write()
		if _, err := w.tx.DeleteContact(ct.ID); err != nil {
			return must(err)
		}
		if err := w.recount(cv.Assignee); err != nil { // their assignee has one fewer open
			return err
		}
		w.emit(Event{Kind: EventReload, Actor: by, Contact: ct.ID})
		return nil
	})
}

// ---- automation rules ----

func (c *config) checkRule(r domain.Rule) error {
	if strings.TrimSpace(r.Name) == "" {
		return errorf(Invalid, "A rule needs a name")
	}
	if err := checkName("rule name", r.Name); err != nil {
		return err
	}
	if r.Channel != "" && !routing.Channel(r.Channel).Valid() {
		return errorf(Invalid, "Rule %q: unknown channel %q; use message, call, or leave it empty", r.Name, r.Channel)
	}
	if r.Channel == "" && strings.TrimSpace(r.Keyword) == "" && r.Tag == "" {
		return errorf(Invalid, "Rule %q has no condition: give a channel, a keyword or a tag", r.Name)
	}
	if strings.ContainsAny(strings.TrimSpace(r.Keyword), " \t") {
		return errorf(Invalid, "Rule %q: the keyword %q is more than one word; use one word", r.Name, r.Keyword)
	}
	t := ParseTarget(r.To)
	switch t.Kind {
	case routing.TargetTeam:
		if _, ok := c.team(t.ID); !ok {
			return errorf(NotFound, "Rule %q: team %q not found", r.Name, t.ID)
		}
	case routing.TargetOperator:
		if _, ok := c.op(t.ID); !ok {
			return errorf(NotFound, "Rule %q: operator %q not found", r.Name, t.ID)
		}
	case routing.TargetBot:
	default:
		return errorf(Invalid, "Rule %q: unknown target %q; use team:<id>, operator:<id> or bot", r.Name, r.To)
	}
	return nil
}

// rules runs a change to the automation rules (admins) and records it in the settings history
// as "rule:<name>": from what the rule was to what it is, in words with the names of teams and
// people as they are now ("#2 a message, says “refund”, to team Billing"; "" before it was added
// or after it was removed).
func (s *Service) rules(ctx context.Context, by, name string, change func(c *config) error) error {
	return s.do(ctx, func(w *wtx) error {
		c, err := w.adminStage(by)
		if err != nil {
			return err
		}
		from := c.ruleText(name)
		if err := change(c); err != nil {
			return err
		}
		w.write()
		if err := w.tx.PutSettings(c.settings); err != nil {
			return must(err)
		}
		if to := c.ruleText(name); to != from {
			if _, err := w.tx.AddHistory(domain.SettingChange{Key: "rule:" + name, By: by, At: s.at(time.Time{}), From: from, To: to}); err != nil {
				return must(err)
			}
		}
		w.configChanged(c, by)
		return nil
	})
}

// ruleText is the rule named name as the settings history records it: its place and what it
// does, in words ("" when there is no such rule).
func (c *config) ruleText(name string) string {
	i := ruleIndex(c.settings.Rules, name)
	if i < 0 {
		return ""
	}
	r := c.settings.Rules[i]
	var when []string
	if r.Channel != "" {
		when = append(when, "a "+string(r.Channel))
	}
	if r.Keyword != "" {
		when = append(when, "says “"+r.Keyword+"”")
	}
	if r.Tag != "" {
		when = append(when, "tagged "+r.Tag)
	}
	to := r.To
	switch t := ParseTarget(r.To); t.Kind {
	case routing.TargetTeam:
		to = "team " + c.teamName(t.ID)
	case routing.TargetOperator:
		to = c.name(t.ID)
	case routing.TargetBot:
		to = "Bot"
	}
	return fmt.Sprintf("#%d %s, to %s", i+1, strings.Join(when, ", "), to)
}

func ruleIndex(rules []domain.Rule, name string) int {
	return slices.IndexFunc(rules, func(r domain.Rule) bool { return r.Name == name })
}

// AddRule appends an automation rule (admins); rules are tried in order.
func (s *Service) AddRule(ctx context.Context, by string, r domain.Rule) error {
	r.Keyword = strings.TrimSpace(r.Keyword)
	return s.rules(ctx, by, r.Name, func(c *config) error {
		if ruleIndex(c.settings.Rules, r.Name) >= 0 {
			return errorf(Conflict, "A rule named %q exists already; choose another name", r.Name)
		}
		if err := c.checkRule(r); err != nil {
			return err
		}
		c.settings.Rules = append(c.settings.Rules, r)
		return nil
	})
}

// UpdateRule replaces the rule with r.Name (admins).
func (s *Service) UpdateRule(ctx context.Context, by string, r domain.Rule) error {
	r.Keyword = strings.TrimSpace(r.Keyword)
	return s.rules(ctx, by, r.Name, func(c *config) error {
		i := ruleIndex(c.settings.Rules, r.Name)
		if i < 0 {
			return errorf(NotFound, "Rule %q not found; see `switchboard rules`", r.Name)
		}
		if err := c.checkRule(r); err != nil {
			return err
		}
		c.settings.Rules[i] = r
		return nil
	})
}

// MoveRule moves a rule to position pos (0 = first) (admins).
func (s *Service) MoveRule(ctx context.Context, by, name string, pos int) error {
	return s.rules(ctx, by, name, func(c *config) error {
		i := ruleIndex(c.settings.Rules, name)
		if i < 0 {
			return errorf(NotFound, "Rule %q not found; see `switchboard rules`", name)
		}
		if pos < 0 || pos >= len(c.settings.Rules) {
			return errorf(Invalid, "Position %d is out of range: use 1 to %d", pos+1, len(c.settings.Rules))
		}
		r := c.settings.Rules[i]
		c.settings.Rules = slices.Delete(c.settings.Rules, i, i+1)
		c.settings.Rules = slices.Insert(c.settings.Rules, pos, r)
		return nil
	})
}

// DeleteRule removes a rule (admins).
func (s *Service) DeleteRule(ctx context.Context, by, name string) error {
	return s.rules(ctx, by, name, func(c *config) error {
		i := ruleIndex(c.settings.Rules, name)
		if i < 0 {
			return errorf(NotFound, "Rule %q not found; see `switchboard rules`", name)
		}
		c.settings.Rules = slices.Delete(c.settings.Rules, i, i+1)
		return nil
	})
}
