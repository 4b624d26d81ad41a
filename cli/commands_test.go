package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

// In-process tests of the commands, without the binary: what a command line parses into (each
// newXCmd given a runF that keeps the Options and runs nothing), and what a run prints on a
// fake workspace. The binary tests in package main run the same commands end to end.

// execute runs cmd alone on args and returns its error as the command line would see it.
func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(new(bytes.Buffer))
	cmd.SetErr(new(bytes.Buffer))
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.Execute()
}

// parsed runs cmd on args with runF keeping what it parsed: newCmd(a, runF) builds the command.
func parsed[O any](t *testing.T, newCmd func(*app, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	var got *O
	err := execute(newCmd(&app{wiring: noEngine(t)}, func(_ context.Context, o *O) error { got = o; return nil }), args...)
	return got, err
}

func ptr[T any](v T) *T { return &v }

func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return -1
}

// TestEditsCarryOnlyTheFlagsGiven: an edit changes what its flags name and nothing else; a flag
// given empty is a change (to empty), a flag left out is not; no flag at all is a usage error
// before anything is opened.
func TestEditsCarryOnlyTheFlagsGiven(t *testing.T) {
	op, err := parsed(t, newOperatorsEditCmd, "zoe", "--role", "admin")
	if err != nil || op.ID != "zoe" || op.Name != nil || op.Status != nil || !reflect.DeepEqual(op.Role, ptr("admin")) {
		t.Errorf("operators edit zoe --role admin: %+v, %v", op, err)
	}
	if _, err := parsed(t, newOperatorsEditCmd, "zoe"); exitCodeOf(err) != exitUsage ||
		!strings.Contains(err.Error(), "nothing to change: give --name, --role, --status or --max-open") {
		t.Errorf("operators edit zoe: %v", err)
	}
	if op, err := parsed(t, newOperatorsEditCmd, "zoe", "--max-open", "5"); err != nil || op.MaxOpen == nil || *op.MaxOpen == nil || **op.MaxOpen != 5 || op.Role != nil {
		t.Errorf("operators edit zoe --max-open 5: %+v, %v", op, err)
	}
	if op, err := parsed(t, newOperatorsEditCmd, "zoe", "--max-open", "default"); err != nil || op.MaxOpen == nil || *op.MaxOpen != nil {
		t.Errorf("operators edit zoe --max-open default: %+v, %v", op, err)
	}
	for _, bad := range []string{"-1", "five", "10001", ""} {
		if _, err := parsed(t, newOperatorsEditCmd, "zoe", "--max-open", bad); exitCodeOf(err) != exitUsage ||
			!strings.Contains(err.Error(), "--max-open") || !strings.Contains(err.Error(), "or default") {
			t.Errorf("--max-open %q: %v", bad, err)
		}
	}

	r, err := parsed(t, newRulesEditCmd, "refunds", "--channel", "")
	if err != nil || r.Name != "refunds" || r.Channel == nil || *r.Channel != "" || r.Keyword != nil || r.Tag != nil || r.To != nil {
		t.Errorf(`rules edit refunds --channel "": %+v, %v`, r, err)
	}
	if _, err := parsed(t, newRulesEditCmd, "refunds"); exitCodeOf(err) != exitUsage ||
		!strings.Contains(err.Error(), "give --channel, --keyword, --tag or --to") {
		t.Errorf("rules edit refunds: %v", err)
	}

	newEdit := func(a *app, runF func(context.Context, *contactsSaveOptions) error) *cobra.Command {
		return newContactsSaveCmd(a, false, runF)
	}
	ct, err := parsed(t, newEdit, "+15550007777", "--tags", " vip, ,wholesale ")
	if err != nil || ct.Adding || ct.Phone != "+15550007777" || ct.Name != nil || !reflect.DeepEqual(ct.Tags, ptr([]string{"vip", "wholesale"})) {
		t.Errorf("contacts edit --tags: %+v, %v", ct, err)
	}
	if ct, _ := parsed(t, newEdit, "+15550007777", "--tags", ""); ct == nil || !reflect.DeepEqual(ct.Tags, ptr([]string{})) {
		t.Errorf(`contacts edit --tags "" must clear the tags: %+v`, ct)
	}
	if _, err := parsed(t, newEdit, "+15550007777"); exitCodeOf(err) != exitUsage || !strings.Contains(err.Error(), "give --name or --tags") {
		t.Errorf("contacts edit with no flag: %v", err)
	}

	tm, err := parsed(t, newTeamsEditCmd, "vip", "--default")
	if err != nil || tm.ID != "vip" || tm.Name != nil || !tm.MakeDefault {
		t.Errorf("teams edit vip --default: %+v, %v", tm, err)
	}
	// --default=false changes nothing
	if _, err := parsed(t, newTeamsEditCmd, "vip", "--default=false"); exitCodeOf(err) != exitUsage {
		t.Errorf("teams edit vip --default=false: %v", err)
	}
}

// TestCommandLinesParse: the arguments and flags of the other commands land where run reads
// them; bad values are usage errors before anything is opened.
func TestCommandLinesParse(t *testing.T) {
	l, err := parsed(t, newListCmd, "--waiting", "--limit", "3", "--order", "oldest", "--team", "sales")
	want := inbox.Filter{View: inbox.ViewWaiting, Status: "open", Team: "sales", Order: inbox.OldestFirst}
	if err != nil || l.Limit != 3 || !reflect.DeepEqual(l.Filter, want) {
		t.Errorf("list: %+v, %v; want filter %+v", l, err, want)
	}
	for _, args := range [][]string{{"--status", "bogus"}, {"--order", "sideways"}, {"--limit", "-1"}} {
		if _, err := parsed(t, newListCmd, args...); exitCodeOf(err) != exitUsage {
			t.Errorf("list %v: %v, want a usage error", args, err)
		}
	}

	call, err := parsed(t, newInjectCallCmd, "+15550002222", "--duration", "95", "--id", "wacid.7")
	if err != nil || call.In.Channel != "call" || call.In.From != "+15550002222" || call.In.Outcome != inbox.CallAnswered ||
		call.In.Duration != 95 || call.In.ExternalID != "wacid.7" {
		t.Errorf("inject call --duration 95: %+v, %v", call.In, err)
	}
	if call, _ := parsed(t, newInjectCallCmd, "+15550002222"); call == nil || call.In.Outcome != inbox.CallRinging {
		t.Errorf("inject call with no flag must ring: %+v", call)
	}
	msg, err := parsed(t, newInjectMessageCmd, "US.1349", "Hola", "--username", "rosa.m")
	if err != nil || msg.In.Channel != "message" || msg.In.From != "US.1349" || msg.In.Text != "Hola" || msg.In.Username != "rosa.m" {
		t.Errorf("inject message: %+v, %v", msg.In, err)
	}

	on, err := parsed(t, newRoutingCmd, "ON")
	if err != nil || !reflect.DeepEqual(on.Set, ptr(true)) || on.key != "contact_owner_routing" {
		t.Errorf("routing ON: %+v, %v", on, err)
	}
	if show, _ := parsed(t, newRoundrobinCmd); show == nil || show.Set != nil {
		t.Errorf("roundrobin alone must show, not set: %+v", show)
	}
	if _, err := parsed(t, newRoutingCmd, "maybe"); exitCodeOf(err) != exitUsage {
		t.Errorf("routing maybe: %v", err)
	}

	p, err := parsed(t, newPresenceCmd, "bob", "online")
	if err != nil || p.Operator != "bob" || p.Status != "online" {
		t.Errorf("presence bob online: %+v, %v", p, err)
	}
	if p, _ := parsed(t, newPresenceCmd, "away"); p == nil || p.Operator != "" || p.Status != "away" {
		t.Errorf("presence away is your own: %+v", p)
	}

	mv, err := parsed(t, newRulesMoveCmd, "refunds", "1")
	if err != nil || mv.Name != "refunds" || mv.Position != 1 {
		t.Errorf("rules move refunds 1: %+v, %v", mv, err)
	}
	if _, err := parsed(t, newRulesMoveCmd, "refunds", "0"); exitCodeOf(err) != exitUsage {
		t.Errorf("rules move refunds 0: %v", err)
	}

	acc, err := parsed(t, newAcceptCmd, "15550001111", "--team", "billing")
	if err != nil || acc.Contact != "15550001111" || acc.Team != "billing" {
		t.Errorf("accept --team billing: %+v, %v", acc, err)
	}
	as, err := parsed(t, newAssignCmd, "15550001111", "bot")
	if err != nil || as.Contact != "15550001111" || as.Arg != "bot" {
		t.Errorf("assign 15550001111 bot: %+v, %v", as, err)
	}
}

// fakeWorkspace is a connection to a workspace held in memory, for the runs below: the
// operations they call, and a record of the changes asked for. Any other operation panics.
type fakeWorkspace struct {
	ops      []inbox.OperatorView
	teams    []inbox.Team
	settings inbox.SettingsView
	updated  []inbox.Rule
}

func (f *fakeWorkspace) Call(_ context.Context, op string, req, res any) error {
	switch op {
	case inbox.OpOperators.Name:
		*res.(*[]inbox.OperatorView) = f.ops
	case inbox.OpTeams.Name:
		*res.(*[]inbox.Team) = f.teams
	case inbox.OpSettings.Name:
		*res.(*inbox.SettingsView) = f.settings
	case inbox.OpUpdateRule.Name:
		f.updated = append(f.updated, req.(inbox.Rule))
	default:
		panic("the fake workspace has no " + op)
	}
	return nil
}
func (f *fakeWorkspace) Events(context.Context) (<-chan inbox.Event, error) { panic("no events") }
func (f *fakeWorkspace) Export(context.Context, io.Writer) error            { panic("no export") }
func (f *fakeWorkspace) Import(context.Context, io.Reader, bool) error      { panic("no import") }
func (f *fakeWorkspace) Operator() string                                   { return "alice" }

// onFake is a run of the commands on the fake workspace; out is what it printed.
func onFake(f *fakeWorkspace, json bool) (*app, *bytes.Buffer) {
	var out bytes.Buffer
	return &app{stdout: &out, stderr: &out, json: json, conn: &rpc.Conn{Conn: f, Path: "/ws/w.db"}}, &out
}

// TestAdminListPrintsATableOrTheJSONArray: the shared list of operators, teams, contacts and
// rules prints one aligned row each, its own line when there is nothing, and the service's
// array with --json.
func TestAdminListPrintsATableOrTheJSONArray(t *testing.T) {
	f := &fakeWorkspace{teams: []inbox.Team{
		{ID: "sales", Name: "Sales", Members: []string{"alice", "erin"}},
		{ID: "vip", Name: "VIP desk", Members: []string{}},
	}}
	f.settings.DefaultTeam = "sales"
	f.settings.Rules = []inbox.Rule{{Name: "refunds", Keyword: "refund", To: "team:billing"}}

	a, out := onFake(f, false)
	if err := execute(newTeamsCmd(a), "list"); err != nil {
		t.Fatal(err)
	}
	a2, out2 := onFake(f, false)
	if err := execute(newRulesCmd(a2)); err != nil { // the noun alone lists too
		t.Fatal(err)
	}
	a3, out3 := onFake(f, false)
	if err := execute(newOperatorsCmd(a3)); err != nil {
		t.Fatal(err)
	}
	a4, out4 := onFake(f, true)
	if err := execute(newTeamsCmd(a4)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"teams", out.String(), "" +
			"ID     NAME      MEMBERS     DEFAULT\n" +
			"sales  Sales     alice,erin  yes\n" +
			"vip    VIP desk  -\n"},
		{"rules", out2.String(), "" +
			"#  NAME     CHANNEL  KEYWORD  TAG  TO\n" +
			"1  refunds  -        refund   -    team:billing\n"},
		{"operators (none)", out3.String(),
			"No operators yet: add the first admin with `switchboard operators add ID --name NAME --role admin`.\n"},
		{"teams --json", out4.String(), `[
  {
    "id": "sales",
    "name": "Sales",
    "members": [
      "alice",
      "erin"
    ]
  },
  {
    "id": "vip",
    "name": "VIP desk",
    "members": []
  }
]
`},
	} {
		if c.got != c.want {
			t.Errorf("%s printed\n%s\nwant\n%s", c.what, c.got, c.want)
		}
	}
}

// TestRulesEditKeepsWhatItIsNotGiven: the rule sent back is the stored one with only the flags
// given changed.
func TestRulesEditKeepsWhatItIsNotGiven(t *testing.T) {
	f := &fakeWorkspace{}
	f.ops = []inbox.OperatorView{{}}
	f.ops[0].ID, f.ops[0].Role = "alice", "admin"
	f.settings.Rules = []inbox.Rule{{Name: "refunds", Channel: "message", Keyword: "refund", Tag: "vip", To: "team:billing"}}
	a, out := onFake(f, false)
	if err := execute(newRulesEditCmd(a, nil), "refunds", "--tag", "", "--to", "operator:frank"); err != nil {
		t.Fatal(err)
	}
	want := []inbox.Rule{{Name: "refunds", Channel: "message", Keyword: "refund", Tag: "", To: "operator:frank"}}
	if !reflect.DeepEqual(f.updated, want) || out.String() != "Rule \"refunds\" changed.\n" {
		t.Fatalf("sent %+v and printed %q; want %+v", f.updated, out.String(), want)
	}
}

// TestToggleSaysWhyItIsNotInForce: a setting on but not in force on the plan says so; a locked
// one says why instead.
func TestToggleSaysWhyItIsNotInForce(t *testing.T) {
	f := &fakeWorkspace{}
	f.settings.Plan, f.settings.RoundRobin = "basic", true
	a, out := onFake(f, false)
	if err := execute(newRoundrobinCmd(a, nil)); err != nil {
		t.Fatal(err)
	}
	if want := "Round robin: on (plan: basic)\nIt is not in force on this plan.\n"; out.String() != want {
		t.Errorf("roundrobin printed %q, want %q", out.String(), want)
	}
	f.settings.OwnerRoutingLock = "Contact owner-based routing needs the Pro or Business plan"
	a, out = onFake(f, false)
	if err := execute(newRoutingCmd(a, nil)); err != nil {
		t.Fatal(err)
	}
	if want := "Contact owner-based routing: off (plan: basic)\nLocked: Contact owner-based routing needs the Pro or Business plan\n"; out.String() != want {
		t.Errorf("routing printed %q, want %q", out.String(), want)
	}
}
