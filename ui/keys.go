package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the inbox answers to. The same struct drives key handling (Update) and
// help (the ? screen and the footer): a binding that is not allowed right now stays visible
// and explains why (see Model.disabled), lazygit style, instead of silently doing nothing.
type KeyMap struct {
	Help, Quit           key.Binding
	NextPane, PrevPane   key.Binding
	Up, Down             key.Binding
	PageUp, PageDown     key.Binding
	Top, Bottom          key.Binding
	Open, Back           key.Binding
	Search, Settings     key.Binding
	Flip, Inject         key.Binding
	Assign, Owner, Team  key.Binding
	Close, Reply         key.Binding
	Retry, Template      key.Binding
	Presence, ActAs      key.Binding
	Tour, TourAgain      key.Binding
	Notes, MarkRead      key.Binding
	NextUnread           key.Binding
	NextWaiting          key.Binding
	AddRule, EditRule    key.Binding
	RuleUp, RuleDown     key.Binding
	RemoveRule           key.Binding
	Accept, Decline      key.Binding
	ChoiceUp, ChoiceDown key.Binding
}

// DefaultKeyMap returns the key map issue 5 specifies.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Help:        b("?", "full help", "?"),
		Quit:        b("q", "quit", "q", "ctrl+c"),
		NextPane:    b("tab", "next pane", "tab"),
		PrevPane:    b("shift+tab", "previous pane", "shift+tab"),
		Up:          b("k/↑", "up", "k", "up"),
		Down:        b("j/↓", "down", "j", "down"),
		PageUp:      b("pgup", "page up", "pgup"),
		PageDown:    b("pgdn", "page down", "pgdown"),
		Top:         b("g/home", "first", "g", "home"),
		Bottom:      b("G/end", "last", "G", "end"),
		Open:        b("enter", "open", "enter"),
		Back:        b("esc", "back", "esc"),
		Search:      b("/", "search contacts", "/"),
		Settings:    b("s", "settings", "s"),
		Flip:        b("space", "flip setting", "space"),
		Inject:      b("i", "inject message/call", "i"),
		Assign:      b("a", "assign", "a"),
		Owner:       b("o", "owner", "o"),
		Team:        b("t", "team", "t"),
		Close:       b("c", "close/reopen", "c"),
		Reply:       b("r", "reply", "r"),
		Retry:       b("R", "send a failed reply again", "R"),
		Template:    b("ctrl+t", "reply box: pick a template", "ctrl+t"),
		Presence:    b("p", "cycle my presence", "p"),
		ActAs:       b("u", "act as", "u"),
		Tour:        b("T", "guided tour", "T"),
		TourAgain:   b("ctrl+r", "start the guided tour again (when every step is done)", "ctrl+r"),
		Notes:       b("b", "notifications (🔔)", "b"),
		MarkRead:    b("m", "notifications: mark all read", "m"),
		NextUnread:  b("n", "next unread conversation", "n"),
		NextWaiting: b("w", "next decision for me", "w"),
		AddRule:     b("a", "add rule", "a"),
		EditRule:    b("enter", "edit rule", "enter"),
		RuleUp:      b("K", "move rule up", "K"),
		RuleDown:    b("J", "move rule down", "J"),
		RemoveRule:  b("x", "remove rule", "x", "delete"),
		Accept:      b("y/enter", "accept", "y", "enter"),
		Decline:     b("n", "decline", "n"),
		ChoiceUp:    b("←/k", "previous team", "left", "k", "up"),
		ChoiceDown:  b("→/j", "next team", "right", "j", "down"),
	}
}

// helpGroup is one titled group of bindings on the help screen.
type helpGroup struct {
	title string
	keys  []*key.Binding
}

func (k *KeyMap) groups() []helpGroup {
	return []helpGroup{
		{"Move", []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom, &k.NextPane, &k.PrevPane, &k.Open, &k.Back}},
		{"Conversation", []*key.Binding{&k.Assign, &k.Owner, &k.Team, &k.Close, &k.Reply, &k.Template, &k.Retry}},
		{"Inbox", []*key.Binding{&k.Search, &k.NextUnread, &k.NextWaiting, &k.Notes, &k.MarkRead, &k.Inject, &k.Settings, &k.Presence, &k.ActAs, &k.Tour, &k.TourAgain, &k.Help, &k.Quit}},
		{"Settings", []*key.Binding{&k.Flip, &k.AddRule, &k.EditRule, &k.RuleUp, &k.RuleDown, &k.RemoveRule}},
		{"Team decision", []*key.Binding{&k.Accept, &k.Decline, &k.ChoiceUp, &k.ChoiceDown}},
	}
}
