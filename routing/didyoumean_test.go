package routing

import (
	"strings"
	"testing"
	"time"
)

// A mistyped operator or team is answered with what it most likely meant: a case or a name
// typed for the id, or an id one or two edits away; nothing when none is close or two are.
func TestNotFoundSaysWhatWasMeant(t *testing.T) {
	ops := []string{"lena", "lana", "omar", "maya", "raj"}
	names := []string{"Lena Fischer", "Lana Bell", "Omar Haddad", "Maya Patel", "Raj Mehta"}
	for typed, want := range map[string]string{
		"LENA": "lena", "Lena Fischer": "lena", "omr": "omar", "omarr": "omar", "mya": "maya",
		"lxna": "", // lena and lana are both one edit away
		"zzz":  "", "": "", "rajesh": "",
	} {
		if got := closest(typed, ops, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", typed, got, want)
		}
	}
	w := NewWorkspace(Settings{Plan: PlanBusiness}, []Operator{{ID: "lena", Name: "Lena Fischer", Role: RoleOperator, Status: Online}},
		[]Team{{ID: "billing", Name: "Billing", Members: []string{"lena"}}}, nil)
	c, conv := Contact{ID: "1"}, Conversation{Status: StatusOpen, Team: "billing"}
	_, err := DecideAssign(w, "lena", c, conv, "lina", time.Now())
	if err == nil || !strings.HasSuffix(err.Error(), `Did you mean "lena" (Lena Fischer)?`) {
		t.Errorf("assign lina: %v", err)
	}
	_, err = DecideTeam(w, "lena", c, conv, "billng", time.Now())
	if err == nil || !strings.HasSuffix(err.Error(), `Did you mean "billing" (Billing)?`) {
		t.Errorf("team billng: %v", err)
	}
}
