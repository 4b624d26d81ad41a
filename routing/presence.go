package routing

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The settings that make routing know who is there: how long to wait for an away owner
// (Wait), working hours and holiday mode (Hours, Settings.Holiday), capacity (Operator.MaxOpen,
// Settings.MaxOpen) and the assignment mode (Assignment). Each is off by default. Parsing them
// is pure (a time zone is loaded by the caller and handed in as a *time.Location).

// Wait is the owner-away wait: off, or a duration (0: a cover at once).
type Wait struct {
	On bool
	D  time.Duration
}

// MaxWait is the longest owner-away wait accepted.
const MaxWait = 7 * 24 * time.Hour

// String writes the wait as a person types it: "off", "0s", "10m", "1h30m".
func (v Wait) String() string {
	if !v.On {
		return "off"
	}
	return FormatDuration(v.D)
}

// WaitWords says a wait written as String writes it ("off", "0s", "10m") in the words the
// settings show it in: "off (the owner gets it anyway)", "0 (a cover at once)", "wait 10m, then
// a cover". Anything else is returned as it is.
func WaitWords(w string) string {
	switch v, err := ParseWait(w); {
	case err != nil:
		return w
	case !v.On:
		return "off (the owner gets it anyway)"
	case v.D == 0:
		return "0 (a cover at once)"
	}
	return "wait " + w + ", then a cover"
}

// FormatDuration writes a duration in Go syntax without trailing zero units: 10m, 1h30m, 45s, 0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// ParseWait reads an owner-away wait: "off", or a duration in Go syntax ("0", "90s", "10m",
// "1h30m"), from 0 to MaxWait.
func ParseWait(s string) (Wait, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "off") {
		return Wait{}, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return Wait{}, refuse(Invalid, "%q is not a duration: give one in Go syntax like 0 (a cover at once), 90s, 10m or 1h30m, or off", s)
	}
	if d < 0 {
		return Wait{}, refuse(Invalid, "%q is negative: give 0 (a cover at once) or more, like 10m", s)
	}
	if d > MaxWait {
		return Wait{}, refuse(Invalid, "%q is longer than %s: give a wait of a week or less, like 10m or 2h", s, FormatDuration(MaxWait))
	}
	return Wait{On: true, D: d}, nil
}

// Assignment is how round robin picks among its candidates.
type Assignment string

const (
	// AssignRoundRobin (the default, also ""): the one picked least recently.
	AssignRoundRobin Assignment = "round_robin"
	// AssignBalanced: the one with the fewest open conversations; ties by least recently
	// picked, then member order.
	AssignBalanced Assignment = "balanced"
)

// ParseAssignment reads an assignment mode.
func ParseAssignment(s string) (Assignment, error) {
	switch a := Assignment(strings.ToLower(strings.TrimSpace(s))); a {
	case AssignRoundRobin, AssignBalanced:
		return a, nil
	}
	return "", refuse(Invalid, "Unknown assignment mode %q: use round_robin (least recently picked) or balanced (fewest open conversations)", s)
}

// MaxCapacity is the largest max_open accepted.
const MaxCapacity = 10000

// ParseCapacity reads a max_open: a number from 0 (no limit) to MaxCapacity.
func ParseCapacity(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) {
		return 0, refuse(Invalid, "%s open conversations is out of range: give 0 (no limit) to %d", strings.TrimSpace(s), MaxCapacity)
	}
	if err != nil {
		return 0, refuse(Invalid, "%q is not a number: give how many open conversations at most (0 for no limit)", s)
	}
	return n, CheckCapacity(n)
}

// CheckCapacity checks a max_open.
func CheckCapacity(n int) error {
	if n < 0 || n > MaxCapacity {
		return refuse(Invalid, "%d open conversations is out of range: give 0 (no limit) to %d", n, MaxCapacity)
	}
	return nil
}

// CapacityText writes a max_open: "no limit" or the number.
func CapacityText(n int) string {
	if n == 0 {
		return "no limit"
	}
	return strconv.Itoa(n)
}

// Span is one range of working hours in a day: minutes after midnight, From < To <= 24:00.
type Span struct{ From, To int }

func (s Span) String() string { return clockText(s.From) + "-" + clockText(s.To) }

func clockText(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// MaxSpans is how many ranges a day may have.
const MaxSpans = 8

// Hours are the working hours: a time zone and, per weekday (time.Weekday order, Sunday
// first), zero or more ranges. No range on any day means always open.
type Hours struct {
	Loc  *time.Location // nil: UTC
	Week [7][]Span
}

// Set reports whether any range is set (else the hours are always open).
func (h *Hours) Set() bool {
	for _, d := range h.Week {
		if len(d) > 0 {
			return true
		}
	}
	return false
}

func (h *Hours) loc() *time.Location {
	if h.Loc == nil {
		return time.UTC
	}
	return h.Loc
}

// OpenAt reports whether t is within the hours (always, when none are set).
func (h *Hours) OpenAt(t time.Time) bool {
	if !h.Set() {
		return true
	}
	lt := t.In(h.loc())
	hh, mm, _ := lt.Clock()
	m := hh*60 + mm
	for _, s := range h.Week[lt.Weekday()] {
		if s.From <= m && m < s.To {
			return true
		}
	}
	return false
}

// NextOpen is the first time after t at which a range starts (the hours start), and false
// when no hours are set.
func (h *Hours) NextOpen(t time.Time) (time.Time, bool) {
	if !h.Set() {
		return time.Time{}, false
	}
	loc := h.loc()
	lt := t.In(loc)
	y, mo, d := lt.Date()
	for i := 0; i <= 8; i++ {
		day := time.Date(y, mo, d+i, 0, 0, 0, 0, loc)
		for _, s := range h.Week[day.Weekday()] {
			start := time.Date(day.Year(), day.Month(), day.Day(), s.From/60, s.From%60, 0, 0, loc)
			if start.After(t) {
				return start, true
			}
		}
	}
	return time.Time{}, false
}

// NextClose is the first time after t at which the range t is in ends (false when t is not
// within the hours, or none are set).
func (h *Hours) NextClose(t time.Time) (time.Time, bool) {
	if !h.Set() || !h.OpenAt(t) {
		return time.Time{}, false
	}
	lt := t.In(h.loc())
	hh, mm, _ := lt.Clock()
	m := hh*60 + mm
	for _, s := range h.Week[lt.Weekday()] {
		if s.From <= m && m < s.To {
			y, mo, d := lt.Date()
			return time.Date(y, mo, d, s.To/60, s.To%60, 0, 0, h.loc()), true
		}
	}
	return time.Time{}, false
}

// weekOrder is the order people read a week in: Monday first.
var weekOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

var dayNames = map[string]time.Weekday{
	"mon": time.Monday, "monday": time.Monday, "tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"thursday": time.Thursday, "fri": time.Friday, "friday": time.Friday, "sat": time.Saturday, "saturday": time.Saturday,
	"sun": time.Sunday, "sunday": time.Sunday,
}

// DayKey is a weekday's key in the workspace document: mon, tue, …, sun.
func DayKey(d time.Weekday) string { return strings.ToLower(d.String()[:3]) }

// ParseDays reads a set of weekdays: "mon-fri", "sat,sun", "mon-sun", "mon,wed-fri". A range
// goes forward through the week ("fri-mon" is Friday to Monday). The days come Monday first.
func ParseDays(s string) ([]time.Weekday, error) {
	bad := func(why string) error {
		return refuse(Invalid, "%s in %q: give days like mon-fri, sat,sun or mon-sun (mon, tue, wed, thu, fri, sat, sun)", why, s)
	}
	if strings.TrimSpace(s) == "" {
		return nil, bad("No day")
	}
	var set [7]bool
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			return nil, bad("An empty day")
		}
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[strings.TrimSpace(from)]
		if !ok {
			return nil, bad(fmt.Sprintf("Unknown day %q", strings.TrimSpace(from)))
		}
		b := a
		if isRange {
			if b, ok = dayNames[strings.TrimSpace(to)]; !ok {
				return nil, bad(fmt.Sprintf("Unknown day %q", strings.TrimSpace(to)))
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			set[d] = true
			if d == b {
				break
			}
		}
	}
	var out []time.Weekday
	for _, d := range weekOrder {
		if set[d] {
			out = append(out, d)
		}
	}
	return out, nil
}

// ParseSpan reads a range of working hours "HH:MM-HH:MM" within one day (24:00 ends a day).
func ParseSpan(s string) (Span, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Span{}, refuse(Invalid, "%q is not a range of hours: give it as HH:MM-HH:MM, like 09:00-17:00", s)
	}
	a, err := parseClock(s, from, false)
	if err != nil {
		return Span{}, err
	}
	b, err := parseClock(s, to, true)
	if err != nil {
		return Span{}, err
	}
	if a == b {
		return Span{}, refuse(Invalid, "%q is empty: it ends when it starts; give a range like 09:00-17:00", s)
	}
	if b < a {
		return Span{}, refuse(Invalid, "%q ends before it starts: a range stays within one day, so for a night shift give 18:00-24:00 on one day and 00:00-06:00 on the next", s)
	}
	return Span{From: a, To: b}, nil
}

func parseClock(whole, s string, end bool) (int, error) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	bad := func() error {
		return refuse(Invalid, "%q in %q is not a time of day: give HH:MM from 00:00 to 24:00, like 09:00-17:00", s, whole)
	}
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, bad()
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && (mm != 0 || !end)) ||
		strings.ContainsAny(h+m, "+- ") {
		return 0, bad()
	}
	return hh*60 + mm, nil
}

// ParseSpans reads a day's ranges, which must not overlap; they come sorted.
func ParseSpans(ranges []string) ([]Span, error) {
	if len(ranges) > MaxSpans {
		return nil, refuse(Invalid, "%d ranges in one day: give at most %d", len(ranges), MaxSpans)
	}
	out := make([]Span, 0, len(ranges))
	for _, r := range ranges {
		sp, err := ParseSpan(r)
		if err != nil {
			return nil, err
		}
		i := 0
		for i < len(out) && out[i].From < sp.From {
			i++
		}
		out = append(out, Span{})
		copy(out[i+1:], out[i:])
		out[i] = sp
	}
	for i := 1; i < len(out); i++ {
		if out[i].From < out[i-1].To {
			return nil, refuse(Invalid, "%s and %s overlap: give ranges that do not overlap, like 09:00-12:00 13:00-17:00", out[i-1], out[i])
		}
	}
	return out, nil
}

// String writes the hours for people: "Mon–Fri 09:00–17:00, Sat 10:00–14:00 (Europe/Berlin)",
// days with the same ranges together, closed days left out; "always open" when none are set.
func (h *Hours) String() string {
	if !h.Set() {
		return "always open"
	}
	var parts []string
	for i := 0; i < 7; {
		d := weekOrder[i]
		j := i + 1
		for j < 7 && sameSpans(h.Week[weekOrder[j]], h.Week[d]) {
			j++
		}
		if spans := h.Week[d]; len(spans) > 0 {
			days := d.String()[:3]
			if j-i > 1 {
				days += "–" + weekOrder[j-1].String()[:3]
			}
			rs := make([]string, len(spans))
			for k, s := range spans {
				rs[k] = clockText(s.From) + "–" + clockText(s.To)
			}
			parts = append(parts, days+" "+strings.Join(rs, " "))
		}
		i = j
	}
	return strings.Join(parts, ", ") + " (" + h.loc().String() + ")"
}

func sameSpans(a, b []Span) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Closed says why round robin cannot run now: it is outside working hours, or holiday mode is
// on (closedNone: it can).
type Closed uint8

const (
	closedNone Closed = iota
	ClosedHours
	ClosedHoliday
)

// ClosedAt says whether round robin may run at t: not in holiday mode, not outside hours.
func (s *Settings) ClosedAt(t time.Time) Closed {
	if s.Holiday {
		return ClosedHoliday
	}
	if !s.Hours.OpenAt(t) {
		return ClosedHours
	}
	return closedNone
}

// clock writes a time for a note: weekday, time and the zone of the working hours (UTC when
// none is set), e.g. "Mon 09:00 Europe/Berlin".
func (s *Settings) clock(t time.Time) string {
	loc := s.Hours.loc()
	return t.In(loc).Format("Mon 15:04") + " " + loc.String()
}
