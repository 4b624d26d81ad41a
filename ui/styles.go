package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is every style the inbox draws with, built from a small palette for a light or a
// dark background. With noColor it uses no colour at all (bold, faint and reverse only).
type Styles struct {
	App, Header, HeaderDim  lipgloss.Style
	Pane, PaneFocus         lipgloss.Style
	Title, Dim, Bold        lipgloss.Style
	Selected, SelectedDim   lipgloss.Style
	SelectedBold            lipgloss.Style // the focused row and view
	SelectedDimBold         lipgloss.Style // the current view when the views pane has no focus
	Tab, TabActive          lipgloss.Style
	TabFocus                lipgloss.Style // the active tab when the views have the focus
	Cursor                  lipgloss.Style // the text cursor of an input
	Unread, Owner, Assignee lipgloss.Style
	Note, Reply, Inbound    lipgloss.Style
	Call, Missed            lipgloss.Style
	Why                     lipgloss.Style
	Status, Error, Toast    lipgloss.Style
	Banner                  lipgloss.Style
	Dialog                  lipgloss.Style
	Key, KeyOff, Reason     lipgloss.Style
	On, Off, Locked         lipgloss.Style
	Accent                  color.Color
}

// newStyles are the default theme's styles.
func newStyles(isDark, noColor bool) Styles { return themedStyles(isDark, noColor, ThemeDefault) }

// styles are the session's styles: its theme, on its terminal's background.
func (c *Common) styles() Styles { return themedStyles(c.isDark, c.noColor, c.theme) }

// themedStyles builds the styles of a theme. The light and dark themes fix the background the
// palette is for, whatever the terminal says; high contrast is black and white with bright
// accents (nothing faint, the selection in reverse video).
func themedStyles(isDark, noColor bool, theme Theme) Styles {
	switch theme {
	case ThemeLight:
		isDark = false
	case ThemeDark:
		isDark = true
	}
	ld := lipgloss.LightDark(isDark)
	var (
		fg      = ld(lipgloss.Color("#1f2328"), lipgloss.Color("#e6e6e6"))
		dim     = ld(lipgloss.Color("#6e7781"), lipgloss.Color("#8b949e"))
		accent  = ld(lipgloss.Color("#5a3fd1"), lipgloss.Color("#a78bfa"))
		green   = ld(lipgloss.Color("#1a7f37"), lipgloss.Color("#56d364"))
		red     = ld(lipgloss.Color("#cf222e"), lipgloss.Color("#ff7b72"))
		yellow  = ld(lipgloss.Color("#9a6700"), lipgloss.Color("#e3b341"))
		blue    = ld(lipgloss.Color("#0969da"), lipgloss.Color("#79c0ff"))
		selBg   = ld(lipgloss.Color("#e6e0ff"), lipgloss.Color("#2d2650"))
		selFg   = fg
		barBg   = ld(lipgloss.Color("#f0f0f3"), lipgloss.Color("#1c1c24"))
		border  = ld(lipgloss.Color("#d0d7de"), lipgloss.Color("#3d3d4a"))
		bannerB = ld(lipgloss.Color("#fff1c2"), lipgloss.Color("#4d3800"))
	)
	if theme == ThemeHighContrast {
		fg = ld(lipgloss.Color("#000000"), lipgloss.Color("#ffffff"))
		dim = ld(lipgloss.Color("#262626"), lipgloss.Color("#e4e4e4"))
		accent = ld(lipgloss.Color("#0000d7"), lipgloss.Color("#ffff00"))
		green = ld(lipgloss.Color("#005f00"), lipgloss.Color("#00ff00"))
		red = ld(lipgloss.Color("#af0000"), lipgloss.Color("#ff5f5f"))
		yellow = ld(lipgloss.Color("#5f3f00"), lipgloss.Color("#ffd700"))
		blue = ld(lipgloss.Color("#0000af"), lipgloss.Color("#00ffff"))
		selBg, selFg = fg, ld(lipgloss.Color("#ffffff"), lipgloss.Color("#000000"))
		barBg = ld(lipgloss.Color("#ffffff"), lipgloss.Color("#000000"))
		border = fg
		bannerB = ld(lipgloss.Color("#ffff00"), lipgloss.Color("#5f0087"))
	}
	n := lipgloss.NewStyle
	s := Styles{Accent: accent}
	if noColor {
		s.App, s.Header, s.HeaderDim = n(), n().Bold(true), n().Faint(true)
		s.Pane = n().Border(lipgloss.NormalBorder())
		s.PaneFocus = n().Border(lipgloss.ThickBorder())
		s.Title, s.Dim, s.Bold = n().Bold(true), n().Faint(true), n().Bold(true)
		s.Selected, s.SelectedDim = n().Reverse(true), n().Underline(true)
		s.SelectedBold, s.SelectedDimBold = s.Selected.Bold(true), s.SelectedDim.Bold(true)
		s.Tab, s.TabActive = n().Padding(0, 1), n().Reverse(true).Padding(0, 1)
		s.TabFocus, s.Cursor = s.TabActive.Reverse(true), n().Reverse(true)
		s.Unread, s.Owner, s.Assignee = n().Bold(true), n(), n().Bold(true)
		s.Note, s.Reply, s.Inbound = n().Faint(true), n(), n()
		s.Call, s.Missed = n(), n().Bold(true)
		s.Why = n().Italic(true)
		s.Status, s.Error, s.Toast = n(), n().Bold(true), n().Bold(true)
		s.Banner = n().Reverse(true).Bold(true)
		s.Dialog = n().Border(lipgloss.DoubleBorder()).Padding(0, 1)
		s.Key, s.KeyOff, s.Reason = n().Bold(true), n().Faint(true).Strikethrough(true), n().Faint(true)
		s.On, s.Off, s.Locked = n().Bold(true), n(), n().Faint(true)
		return s
	}
	s.App = n().Foreground(fg)
	s.Header = n().Foreground(accent).Bold(true)
	s.HeaderDim = n().Foreground(dim)
	s.Pane = n().Border(lipgloss.RoundedBorder()).BorderForeground(border)
	s.PaneFocus = n().Border(lipgloss.RoundedBorder()).BorderForeground(accent)
	s.Title = n().Foreground(accent).Bold(true)
	s.Dim = n().Foreground(dim)
	s.Bold = n().Foreground(fg).Bold(true)
	s.Selected = n().Background(selBg).Foreground(selFg)
	s.SelectedDim = n().Foreground(accent)
	s.SelectedBold, s.SelectedDimBold = s.Selected.Bold(true), s.SelectedDim.Bold(true)
	s.Tab = n().Foreground(dim).Padding(0, 1)
	s.TabActive = n().Foreground(accent).Bold(true).Underline(true).Padding(0, 1)
	s.TabFocus, s.Cursor = s.TabActive.Reverse(true), n().Reverse(true)
	s.Unread = n().Foreground(blue).Bold(true)
	s.Owner = n().Foreground(yellow)
	s.Assignee = n().Foreground(green)
	s.Note = n().Foreground(dim).Italic(true)
	s.Reply = n().Foreground(accent)
	s.Inbound = n().Foreground(fg)
	s.Call = n().Foreground(blue)
	s.Missed = n().Foreground(red)
	s.Why = n().Foreground(dim).Italic(true)
	s.Status = n().Foreground(dim).Background(barBg)
	s.Error = n().Foreground(red).Background(barBg).Bold(true)
	s.Toast = n().Foreground(green).Background(barBg)
	s.Banner = n().Background(bannerB).Foreground(fg).Bold(true)
	s.Dialog = n().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Key = n().Foreground(accent).Bold(true)
	s.KeyOff = n().Foreground(dim).Strikethrough(true)
	s.Reason = n().Foreground(dim)
	s.On = n().Foreground(green).Bold(true)
	s.Off = n().Foreground(dim)
	s.Locked = n().Foreground(yellow)
	return s
}
