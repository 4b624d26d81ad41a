package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// tourPanel is the guided tour (T, when the session has one): the steps with ✓ when done and
// the current step's Do and Expect, read again in a command after every inbox event.
type tourPanel struct {
	*Common
	on    bool
	steps []TourStep
	// openedAs is who the screen opened as: ctrl+r acts as them again (the tour's first step
	// needs an admin, the demo's)
	openedAs string
}

type tourMsg struct {
	steps     []TourStep
	restarted bool // after ctrl+r: the status line says the tour starts again
}

// load reads the steps (nil when the session has no tour).
func (t *tourPanel) load() tea.Cmd {
	if t.opts.Tour == nil {
		return nil
	}
	tour, ctx := t.opts.Tour, t.ctx
	return func() tea.Msg { return tourMsg{steps: tour.Steps(ctx)} }
}

// allDone reports whether the tour has steps and every one is done.
func (t *tourPanel) allDone() bool {
	for _, s := range t.steps {
		if !s.Done {
			return false
		}
	}
	return len(t.steps) > 0
}

// restart starts the tour over (ctrl+r once every step is done) and reads the steps again.
func (t *tourPanel) restart() tea.Cmd {
	r, ok := t.opts.Tour.(TourRestarter)
	if !ok {
		return nil
	}
	ctx, tour := t.ctx, t.opts.Tour
	return func() tea.Msg {
		if err := r.Restart(ctx); err != nil {
			return doneMsg{err: err}
		}
		return tourMsg{steps: tour.Steps(ctx), restarted: true}
	}
}

// current is the index of the first step not done, or -1.
func (t *tourPanel) current() int {
	for i, s := range t.steps {
		if !s.Done {
			return i
		}
	}
	return -1
}

// progress is the steps as one line: ✓ done, ▸ the current one, · the rest, and the count.
func (t *tourPanel) progress() string {
	var p strings.Builder
	done, cur := 0, t.current()
	for i, s := range t.steps {
		switch {
		case s.Done:
			p.WriteString("✓")
			done++
		case i == cur:
			p.WriteString("▸")
		default:
			p.WriteString("·")
		}
	}
	return p.String() + t.st.Dim.Render(fmt.Sprintf(" %d/%d done", done, len(t.steps)))
}

// finished is what the panel says when every step is done.
func (t *tourPanel) finished() string {
	s := "All steps done. Well done! Press T to hide this panel (T shows it again)."
	if _, ok := t.opts.Tour.(TourRestarter); ok {
		s += " Press ctrl+r to start the tour again (the conversations it uses are put back as the demo began)."
	}
	return s
}

// stripLines are the lines of the tour as a strip below the panes, iw wide: the progress, the
// current step's title, what to do and what to expect, each wrapped in full.
func (t *tourPanel) stripLines(iw int) []string {
	st := t.st
	lines := []string{st.Title.Render("Guided tour") + "  " + t.progress() + st.Dim.Render(" · T hides")}
	cur := t.current()
	switch {
	case len(t.steps) == 0:
		lines = append(lines, st.Dim.Render("Loading the steps…"))
	case cur < 0:
		for _, l := range wrap(t.finished(), iw) {
			lines = append(lines, st.On.Render(l))
		}
	default:
		s := t.steps[cur]
		for _, l := range wrap(fmt.Sprintf("%d. %s", cur+1, safe(s.Title)), iw) {
			lines = append(lines, st.Bold.Render(l))
		}
		for i, l := range wrap("Do: "+safe(s.Do), iw) {
			if i == 0 {
				l = st.Key.Render("Do:") + strings.TrimPrefix(l, "Do:")
			}
			lines = append(lines, l)
		}
		for _, l := range wrap("Expect: "+safe(s.Expect), iw) {
			lines = append(lines, st.Dim.Render(l))
		}
	}
	return lines
}

// stripHeight is how many rows the strip needs on a screen w wide (with its border).
func (t *tourPanel) stripHeight(w int) int { return len(t.stripLines(w-2)) + 2 }

// strip draws the tour as a strip in r (below the panes). A strip cut short by a short
// terminal keeps what to do and drops the end of what to expect.
func (t *tourPanel) strip(r rect) block { return t.boxed(t.stripLines(r.w-2), r.w, r.h, false) }

// view draws the tour as a column beside the panes (a wide screen): every step's title, in
// full, with ✓ when done, and the current step's Do and Expect; on a column too short for all
// the titles, the progress line and the current title instead.
func (t *tourPanel) view(r rect) block {
	iw := r.w - 2
	st := t.st
	head := st.Title.Render("Guided tour") + st.Dim.Render("  T hides")
	cur := t.current()
	lines := []string{head}
	for i, s := range t.steps {
		mark := "  "
		if s.Done {
			mark = st.On.Render("✓ ")
		} else if i == cur {
			mark = st.Key.Render("▸ ")
		}
		for j, l := range wrap(fmt.Sprintf("%d. %s", i+1, safe(s.Title)), iw-2) {
			if i == cur {
				l = st.Bold.Render(l)
			}
			if j > 0 {
				mark = "  "
			}
			lines = append(lines, mark+l)
		}
	}
	if len(t.steps) == 0 {
		lines = append(lines, st.Dim.Render("Loading the steps…"))
	}
	var rest []string
	if cur >= 0 {
		s := t.steps[cur]
		rest = append(rest, "", st.Key.Render("Do"))
		rest = append(rest, wrap(safe(s.Do), iw)...)
		rest = append(rest, st.Key.Render("Expect"))
		for _, l := range wrap(safe(s.Expect), iw) {
			rest = append(rest, st.Dim.Render(l))
		}
	} else if len(t.steps) > 0 {
		rest = append(rest, "")
		for _, l := range wrap(t.finished(), iw) {
			rest = append(rest, st.On.Render(l))
		}
	}
	if len(lines)+len(rest) > r.h-2 && len(t.steps) > 0 {
		// too short for every title: the progress line and the current step's title
		lines = []string{head, t.progress()}
		if cur >= 0 {
			for _, l := range wrap(fmt.Sprintf("%d. %s", cur+1, safe(t.steps[cur].Title)), iw) {
				lines = append(lines, st.Bold.Render(l))
			}
		}
	}
	return t.boxed(append(lines, rest...), r.w, r.h, false)
}
