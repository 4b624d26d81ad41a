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
}

type tourMsg struct{ steps []TourStep }

// load reads the steps (nil when the session has no tour).
func (t *tourPanel) load() tea.Cmd {
	if t.opts.Tour == nil {
		return nil
	}
	tour, ctx := t.opts.Tour, t.ctx
	return func() tea.Msg { return tourMsg{tour.Steps(ctx)} }
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
		return tourMsg{tour.Steps(ctx)}
	}
}

// wrapCount is the Do and Expect lines of the current step.
func wrapCount(steps []TourStep, cur, w int) []string {
	if cur < 0 {
		return nil
	}
	return append(wrap(safe(steps[cur].Do), w), wrap(safe(steps[cur].Expect), w)...)
}

func (t *tourPanel) view(r rect) string {
	iw := r.w - 2
	st := t.st
	lines := []string{st.Title.Render("Guided tour") + st.Dim.Render("  T hides")}
	cur := -1
	for i, s := range t.steps {
		if !s.Done && cur < 0 {
			cur = i
		}
	}
	for i, s := range t.steps {
		mark := "  "
		if s.Done {
			mark = st.On.Render("✓ ")
		} else if i == cur {
			mark = st.Key.Render("▸ ")
		}
		title := safeFit(fmt.Sprintf("%d. %s", i+1, safe(s.Title)), iw-2)
		if i == cur {
			title = st.Bold.Render(title)
		}
		lines = append(lines, mark+title)
	}
	if len(t.steps) == 0 {
		lines = append(lines, st.Dim.Render("Loading the steps…"))
	}
	if len(lines)+4+len(wrapCount(t.steps, cur, iw)) > r.h-2 && cur >= 0 {
		// short terminal: a progress line instead of every step's title
		var p strings.Builder
		done := 0
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
		lines = []string{st.Title.Render("Guided tour") + st.Dim.Render("  T hides"), p.String() + st.Dim.Render(fmt.Sprintf(" %d/%d done", done, len(t.steps)))}
		for _, l := range wrap(fmt.Sprintf("%d. %s", cur+1, safe(t.steps[cur].Title)), iw) {
			lines = append(lines, st.Bold.Render(l))
		}
	}
	if cur >= 0 {
		s := t.steps[cur]
		lines = append(lines, "", st.Key.Render("Do"))
		lines = append(lines, wrap(safe(s.Do), iw)...)
		lines = append(lines, st.Key.Render("Expect"))
		for _, l := range wrap(safe(s.Expect), iw) {
			lines = append(lines, st.Dim.Render(l))
		}
	} else if len(t.steps) > 0 {
		lines = append(lines, "", st.On.Render("All steps done. Well done!"))
		lines = append(lines, wrap("Press T to hide this panel (T shows it again).", iw)...)
		if _, ok := t.opts.Tour.(TourRestarter); ok {
			lines = append(lines, wrap("Press ctrl+r to start the tour again.", iw)...)
		}
	}
	return t.box(lines, r.w, r.h, false)
}
