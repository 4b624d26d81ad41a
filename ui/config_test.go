package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigRemapsKeysAndPicksATheme(t *testing.T) {
	c := LoadConfig(writeConfig(t, `# mine
theme = "high-contrast"
bell = "off"

[keys]
search = ["ctrl+f", "/"]
reply = "e"
next_unread = "N"
`))
	if c.Problem != "" {
		t.Fatalf("a good file was refused: %s", c.Problem)
	}
	if c.Theme != ThemeHighContrast || c.Bell != BellOff {
		t.Fatalf("theme %q bell %q", c.Theme, c.Bell)
	}
	if got := c.Keys.Search.Keys(); strings.Join(got, " ") != "ctrl+f /" || c.Keys.Search.Help().Key != "ctrl+f//" {
		t.Fatalf("search = %v (help %q)", got, c.Keys.Search.Help().Key)
	}
	if c.Keys.Reply.Help().Key != "e" || c.Keys.Reply.Help().Desc != "reply" || c.Keys.Assign.Help().Key != "a" {
		t.Fatalf("reply %+v, assign %+v", c.Keys.Reply.Help(), c.Keys.Assign.Help())
	}
	if none := LoadConfig(filepath.Join(t.TempDir(), "none.toml")); none.Problem != "" || none.Path != "" || none.Keys.Reply.Help().Key != "r" {
		t.Fatalf("no file is not the defaults: %+v", none)
	}
}

// A file that cannot be used says which line is wrong and what to write, and leaves every
// default in place.
func TestBadConfigNamesTheLineAndFallsBack(t *testing.T) {
	for text, want := range map[string]string{
		"theme = \"solarized\"\n":                 `line 1: theme "solarized" is not one of default, high-contrast, light, dark`,
		"\n\ncolour = \"red\"\n":                  `line 3: "colour" is not a setting`,
		"[keys]\nreply = \"r\"\nrepyl = \"e\"\n":  `line 3: "repyl" is not an action of the inbox`,
		"[keys]\nreply = \"ctl+r\"\n":             `line 2: keys.reply: "ctl+r" is not a key`,
		"[keys]\n\nreply = \"a\"\n":               `line 3: keys.reply: "a" is assign's key already`,
		"theme = \"light\"\n[keys]\nsearch = 3\n": `line 3: keys.search: write a key in quotes`,
		"theme = \"light\"\nbell = off\n":         "line 2: ",
		"[keys]\nassign = \"x\"\nreply = \"x\"\n": `line 3: keys.reply: "x" is assign's key already`,
		"bell = \"loud\"\n":                       `line 1: bell "loud" is not one of auto, bell, osc9, off`,
	} {
		c := LoadConfig(writeConfig(t, text))
		if !strings.Contains(c.Problem, want) || !strings.Contains(c.Problem, "config.toml") || !strings.HasSuffix(c.Problem, "using the default keys and colours") {
			t.Errorf("%q: problem = %q, want it to say %q", text, c.Problem, want)
		}
		d := DefaultConfig()
		if c.Theme != d.Theme || c.Bell != d.Bell || c.Keys.Reply.Help().Key != "r" || c.Keys.Assign.Help().Key != "a" || c.Keys.Search.Help().Key != "/" {
			t.Errorf("%q: a bad file changed the defaults: %+v", text, c)
		}
	}
}

// Remapped keys work, the old ones do not, and help, the footer and the hints show the new ones;
// a bad file's problem is in the status line.
func TestRemappedKeysInHelpFooterAndUse(t *testing.T) {
	c := LoadConfig(writeConfig(t, "[keys]\nsearch = \"ctrl+f\"\nhelp = \"f1\"\n"))
	h := newHarness(t, newService(t), "alice", Options{Config: &c}, 120, 34)
	h.want("ctrl+f search", "Press f1 for every key.")
	h.wantNot("/ search")
	h.keys("/")
	h.wantNot("Search contacts")
	h.keys("ctrl+f")
	h.want("Search contacts")
	h.keys("esc", "f1")
	h.want("ctrl+f    search")
	bad := LoadConfig(writeConfig(t, "[keys]\nreply = \"a\"\n"))
	h = newHarness(t, newService(t), "alice", Options{Config: &bad}, 120, 34)
	h.want("line 2: keys.reply")
	h.want("/ search")
}

func TestThemesDrawDifferently(t *testing.T) {
	def, hc, light := themedStyles(true, false, ThemeDefault), themedStyles(true, false, ThemeHighContrast), themedStyles(true, false, ThemeLight)
	if def.Dim.Render("x") == hc.Dim.Render("x") || def.Selected.Render("x") == hc.Selected.Render("x") {
		t.Fatal("high contrast draws like the default")
	}
	if light.App.Render("x") != themedStyles(false, false, ThemeDefault).App.Render("x") {
		t.Fatal("the light theme on a dark-answering terminal is not the light palette")
	}
	if themedStyles(false, true, ThemeHighContrast).Dim.Render("x") != newStyles(false, true).Dim.Render("x") {
		t.Fatal("NO_COLOR is not colourless in every theme")
	}
}

func TestEveryActionIsNamed(t *testing.T) {
	k := DefaultKeyMap()
	n := 0
	for _, g := range k.groups() {
		for _, b := range g.keys {
			found := false
			for _, a := range k.actions() {
				if a == b {
					found = true
				}
			}
			if !found {
				t.Errorf("%q (%s) has no name in the config file", b.Help().Desc, b.Help().Key)
			}
			n++
		}
	}
	var _ key.Binding
	if n == 0 {
		t.Fatal("no groups")
	}
}

func TestSessionEnvironmentPicksTheTheme(t *testing.T) {
	c := DefaultConfig()
	c.Theme = ThemeHighContrast
	h := newHarness(t, newService(t), "alice", Options{Config: &c, Environ: []string{"SWITCHBOARD_THEME=light"}}, 120, 34)
	if h.m.theme != ThemeLight {
		t.Fatalf("SWITCHBOARD_THEME=light gave %q", h.m.theme)
	}
	h = newHarness(t, newService(t), "alice", Options{Config: &c, Environ: []string{"SWITCHBOARD_THEME=plaid"}}, 120, 34)
	if h.m.theme != ThemeHighContrast {
		t.Fatalf("an unknown SWITCHBOARD_THEME changed the file's theme to %q", h.m.theme)
	}
}

// Settings names its movement keys as its hint line and the dialogs do, down first ("j/k
// move"): its footer said "k/↑ move", and j, which moves down there, was nowhere on the screen.
// The keys shown are the person's own (a config file's), in the act-as dialog too.
func TestSettingsFooterNamesBothMoveKeys(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 34)
	h.keys("s")
	h.want("Switchboard · Settings", "j/k move · space flip setting · a add rule", "j/k move · space flips or changes the focused setting")
	h.wantNot("k/↑ move")
	at := h.m.settings.cursor
	h.keys("j")
	if h.m.settings.cursor != at+1 {
		t.Fatalf("j moved the settings cursor from %d to %d, want %d", at, h.m.settings.cursor, at+1)
	}
	h.keys("k")
	if h.m.settings.cursor != at {
		t.Fatalf("k moved the settings cursor to %d, want %d", h.m.settings.cursor, at)
	}

	c := LoadConfig(writeConfig(t, "[keys]\ndown = \"ctrl+n\"\nup = \"ctrl+p\"\n"))
	svc := newService(t)
	r := newHarness(t, svc, "alice", Options{Config: &c, ActAs: localActAs(svc)}, 120, 34)
	r.keys("s")
	r.want("ctrl+n/ctrl+p move · space flip setting", "ctrl+n/ctrl+p move · space flips")
	r.wantNot("j/k move")
	r.keys("esc", "u")
	r.want("Act as…", "ctrl+n/ctrl+p move · g/G first/last · enter choose · esc cancel")
}
