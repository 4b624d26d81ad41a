package ui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	toml "github.com/pelletier/go-toml/v2"
)

// ---- keys and colours are the user's: the config file ----

// Theme is a set of colours the inbox draws with.
type Theme string

const (
	ThemeDefault      Theme = "default"       // follows the terminal's background (dark or light)
	ThemeHighContrast Theme = "high-contrast" // black and white with bright accents, bold where others are dim
	ThemeLight        Theme = "light"         // for a light terminal, whatever it answers about its background
	ThemeDark         Theme = "dark"          // for a dark terminal, likewise
)

var themes = []Theme{ThemeDefault, ThemeHighContrast, ThemeLight, ThemeDark}

// Config is a person's own keys, theme and bell, read from their config file (LoadConfig).
type Config struct {
	Keys  KeyMap
	Theme Theme
	Bell  Bell
	// Path is the file read ("" when there was none); Problem says why it was not used (a
	// sentence naming the file and the line), and then everything else is the defaults.
	Path, Problem string
}

// DefaultConfig is the inbox with no config file.
func DefaultConfig() Config {
	return Config{Keys: DefaultKeyMap(), Theme: ThemeDefault, Bell: BellAuto}
}

// ConfigDir is the folder of Switchboard's config files in an environment (KEY=value):
// $XDG_CONFIG_HOME/switchboard, else $HOME/.config/switchboard ("" with neither).
func ConfigDir(environ []string) string {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if d := env["XDG_CONFIG_HOME"]; d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "switchboard")
	}
	if h := env["HOME"]; h != "" {
		return filepath.Join(h, ".config", "switchboard")
	}
	return ""
}

// fileConfig is the file as written.
type fileConfig struct {
	Theme string         `toml:"theme"`
	Bell  string         `toml:"bell"`
	Keys  map[string]any `toml:"keys"`
}

// LoadConfig reads the config file at path. No file is the defaults, silently; a file that
// cannot be used is the defaults too, with Problem saying what is wrong, on which line, and
// what to write instead.
func LoadConfig(path string) Config {
	c := DefaultConfig()
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c
	}
	c.Path = path
	if err == nil {
		var got Config
		got, err = parseConfig(raw)
		if err == nil {
			got.Path = path
			return got
		}
	}
	c.Problem = fmt.Sprintf("%s: %v — using the default keys and colours", path, err)
	return c
}

// lineError is a problem on a line of the file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return e.msg
}

// parseConfig reads a config file's text.
func parseConfig(raw []byte) (Config, error) {
	c := DefaultConfig()
	var f fileConfig
	dec := toml.NewDecoder(bytes.NewReader(raw)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var strict *toml.StrictMissingError
		var de *toml.DecodeError
		switch {
		case errors.As(err, &strict) && len(strict.Errors) > 0:
			e := strict.Errors[0]
			row, _ := e.Position()
			return c, &lineError{row, fmt.Sprintf("%q is not a setting: write theme, bell or a [keys] table", strings.Join(e.Key(), "."))}
		case errors.As(err, &de):
			row, _ := de.Position()
			msg := strings.TrimPrefix(de.Error(), "toml: ")
			return c, &lineError{row, msg + " (the file is TOML: setting = \"value\")"}
		}
		return c, err
	}
	if f.Theme != "" {
		t := Theme(strings.ToLower(f.Theme))
		if t == "light-terminal" {
			t = ThemeLight
		}
		if !containsTheme(t) {
			return c, &lineError{lineOf(raw, "", "theme"), fmt.Sprintf("theme %q is not one of %s", f.Theme, themeList())}
		}
		c.Theme = t
	}
	if f.Bell != "" {
		b := Bell(strings.ToLower(f.Bell))
		switch b {
		case BellAuto, BellOn, BellOSC9, BellOff:
			c.Bell = b
		default:
			return c, &lineError{lineOf(raw, "", "bell"), fmt.Sprintf("bell %q is not one of auto, bell, osc9, off", f.Bell)}
		}
	}
	if err := c.Keys.remap(raw, f.Keys); err != nil {
		return c, err
	}
	return c, nil
}

func containsTheme(t Theme) bool {
	for _, x := range themes {
		if x == t {
			return true
		}
	}
	return false
}

func themeList() string {
	var s []string
	for _, t := range themes {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

// lineOf finds the line of `name =` in the table (section "" is the top of the file).
func lineOf(raw []byte, section, name string) int {
	cur := ""
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(name) + `"?\s*=`)
	for i, l := range strings.Split(string(raw), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			cur = strings.Trim(strings.TrimSpace(strings.SplitN(t, "#", 2)[0]), "[] ")
			continue
		}
		if cur == section && re.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

// actions names every binding of the key map as the config file writes it.
func (k *KeyMap) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"help": &k.Help, "quit": &k.Quit, "next_pane": &k.NextPane, "prev_pane": &k.PrevPane,
		"up": &k.Up, "down": &k.Down, "page_up": &k.PageUp, "page_down": &k.PageDown,
		"top": &k.Top, "bottom": &k.Bottom, "open": &k.Open, "back": &k.Back,
		"search": &k.Search, "settings": &k.Settings, "flip": &k.Flip, "inject": &k.Inject,
		"assign": &k.Assign, "owner": &k.Owner, "team": &k.Team, "close": &k.Close,
		"reply": &k.Reply, "retry": &k.Retry, "template": &k.Template, "presence": &k.Presence,
		"act_as": &k.ActAs, "tour": &k.Tour, "tour_again": &k.TourAgain, "notifications": &k.Notes, "mark_read": &k.MarkRead,
		"next_unread": &k.NextUnread, "next_waiting": &k.NextWaiting,
		"add_rule": &k.AddRule, "edit_rule": &k.EditRule, "rule_up": &k.RuleUp, "rule_down": &k.RuleDown,
		"remove_rule": &k.RemoveRule, "accept": &k.Accept, "decline": &k.Decline,
		"choice_up": &k.ChoiceUp, "choice_down": &k.ChoiceDown,
	}
}

// Named is every binding by the name the config file gives it.
func (k *KeyMap) Named() map[string]*key.Binding { return k.actions() }

// ActionNames lists the names of the [keys] table, sorted.
func ActionNames() []string {
	k := DefaultKeyMap()
	var out []string
	for n := range k.actions() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// keySets are the bindings that are live at the same time: one key may not do two of them.
func (k *KeyMap) keySets() [][]*key.Binding {
	return [][]*key.Binding{
		{&k.Help, &k.Quit, &k.NextPane, &k.PrevPane, &k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom,
			&k.Open, &k.Back, &k.Search, &k.Settings, &k.Inject, &k.Assign, &k.Owner, &k.Team, &k.Close, &k.Reply,
			&k.Retry, &k.Presence, &k.ActAs, &k.Tour, &k.TourAgain, &k.Notes, &k.NextUnread, &k.NextWaiting},
		{&k.Help, &k.Quit, &k.Up, &k.Down, &k.Back, &k.Settings, &k.Flip, &k.AddRule, &k.EditRule, &k.RuleUp,
			&k.RuleDown, &k.RemoveRule, &k.Presence, &k.ActAs, &k.Tour, &k.Notes},
		{&k.Accept, &k.Decline, &k.ChoiceUp, &k.ChoiceDown, &k.Back},
	}
}

var namedKeys = map[string]bool{
	"enter": true, "esc": true, "space": true, "tab": true, "backspace": true, "delete": true, "insert": true,
	"up": true, "down": true, "left": true, "right": true, "home": true, "end": true, "pgup": true, "pgdown": true,
}

// validKey reports whether s is a key as the terminal reports it: one character, a named key
// (enter, esc, space, tab, arrows, pgup, f1…f20) or either with ctrl+, alt+ or shift+.
func validKey(s string) bool {
	for _, mod := range []string{"ctrl+", "alt+", "shift+"} {
		for strings.HasPrefix(s, mod) && len(s) > len(mod) {
			s = s[len(mod):]
		}
	}
	if utf8.RuneCountInString(s) == 1 {
		r, _ := utf8.DecodeRuneInString(s)
		return r > ' ' && r != 0x7f
	}
	if namedKeys[s] {
		return true
	}
	var n int
	if _, err := fmt.Sscanf(s, "f%d", &n); err == nil && fmt.Sprintf("f%d", n) == s && n >= 1 && n <= 20 {
		return true
	}
	return false
}

// keyHelp is how help and the footer write a binding's keys.
func keyHelp(keys []string) string {
	pretty := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "pgdown": "pgdn"}
	out := make([]string, len(keys))
	for i, k := range keys {
		if p, ok := pretty[k]; ok {
			k = p
		}
		out[i] = k
	}
	return strings.Join(out, "/")
}

// remap gives the actions named in the [keys] table their keys (a key, or a list of keys),
// refusing an unknown action, a value that is not a key and a key that two live actions would
// share; help and the footer then show the new keys.
func (k *KeyMap) remap(raw []byte, table map[string]any) error {
	acts := k.actions()
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return lineOf(raw, "keys", names[i]) < lineOf(raw, "keys", names[j]) })
	remapped := map[*key.Binding]string{}
	for _, name := range names {
		line := lineOf(raw, "keys", name)
		b, ok := acts[name]
		if !ok {
			return &lineError{line, fmt.Sprintf("%q is not an action of the inbox; the [keys] table names %s", name, strings.Join(ActionNames(), ", "))}
		}
		var keys []string
		switch v := table[name].(type) {
		case string:
			keys = []string{v}
		case []any:
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return &lineError{line, fmt.Sprintf("keys.%s: write each key as a string in quotes, like [\"r\", \"ctrl+r\"]", name)}
				}
				keys = append(keys, s)
			}
		default:
			return &lineError{line, fmt.Sprintf("keys.%s: write a key in quotes (%s = \"r\") or a list of them (%s = [\"r\", \"ctrl+r\"])", name, name, name)}
		}
		if len(keys) == 0 {
			return &lineError{line, fmt.Sprintf("keys.%s is empty: give it at least one key", name)}
		}
		for _, s := range keys {
			if !validKey(s) {
				return &lineError{line, fmt.Sprintf("keys.%s: %q is not a key; write one character (\"r\", \"?\", \"R\"), a key's name (enter, esc, space, tab, up, pgdown, f2) or either with ctrl+, alt+ or shift+ (\"ctrl+r\")", name, s)}
			}
		}
		*b = key.NewBinding(key.WithKeys(keys...), key.WithHelp(keyHelp(keys), b.Help().Desc))
		remapped[b] = name
	}
	byBinding := map[*key.Binding]string{}
	for n, b := range acts {
		byBinding[b] = n
	}
	for _, set := range k.keySets() {
		for i, a := range set {
			for _, b := range set[i+1:] {
				_, ra := remapped[a]
				_, rb := remapped[b]
				if !ra && !rb {
					continue // the defaults are made to fit together
				}
				for _, ka := range a.Keys() {
					for _, kb := range b.Keys() {
						if ka != kb {
							continue
						}
						mine, other := byBinding[a], byBinding[b]
						if !ra || (rb && lineOf(raw, "keys", other) > lineOf(raw, "keys", mine)) {
							mine, other = other, mine // the one written (last)
						}
						return &lineError{lineOf(raw, "keys", mine), fmt.Sprintf("keys.%s: %q is %s's key already; give %s another key too, or choose another for %s", mine, ka, other, other, mine)}
					}
				}
			}
		}
	}
	return nil
}

// firstKey is a binding's first key as help writes it (for sentences: "press esc").
func firstKey(b key.Binding) string {
	if ks := b.Keys(); len(ks) > 0 {
		return keyHelp(ks[:1])
	}
	return b.Help().Key
}

// envTheme is SWITCHBOARD_THEME of the session's environment, when it names a theme: a person
// on SSH picks theirs with `SendEnv SWITCHBOARD_THEME`, a local one for one run.
func envTheme(environ []string) (Theme, bool) {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "SWITCHBOARD_THEME="); ok {
			t := Theme(strings.ToLower(strings.TrimSpace(v)))
			if t == "light-terminal" {
				t = ThemeLight
			}
			return t, containsTheme(t)
		}
	}
	return "", false
}
