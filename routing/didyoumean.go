package routing

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// What a mistyped operator or team is most likely meant to be: an id or a name that differs
// only in case, or an id at most two edits away (one for a short id). "" when none is close
// or two are equally close.
func closest(typed string, ids, names []string) string {
	t := strings.ToLower(strings.TrimSpace(typed))
	if t == "" {
		return ""
	}
	for i, id := range ids {
		if strings.ToLower(id) == t || strings.ToLower(names[i]) == t {
			return id
		}
	}
	limit := 2
	if utf8.RuneCountInString(t) <= 4 {
		limit = 1
	}
	best, bestD, ties := "", limit+1, 0
	for _, id := range ids {
		switch d := EditDistance(t, strings.ToLower(id)); {
		case d < bestD:
			best, bestD, ties = id, d, 0
		case d == bestD:
			ties++
		}
	}
	if bestD > limit || ties > 0 {
		return ""
	}
	return best
}

// EditDistance is the Levenshtein distance of a and b, in runes (the CLI's "did you mean" for
// flags uses it too).
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// didYouMean is " Did you mean "lena" (Lena Fischer)?" for a typed operator or team id close
// to one of ids (named names), or "".
func didYouMean(typed string, ids, names []string) string {
	id := closest(typed, ids, names)
	if id == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q (%s)?", id, names[slices.Index(ids, id)])
}

func (w *Workspace) didYouMeanOperator(typed string) string {
	ids, names := make([]string, len(w.ops)), make([]string, len(w.ops))
	for i, o := range w.ops {
		ids[i], names[i] = o.ID, o.Name
	}
	return didYouMean(typed, ids, names)
}

func (w *Workspace) didYouMeanTeam(typed string) string {
	ids, names := make([]string, len(w.teams)), make([]string, len(w.teams))
	for i, t := range w.teams {
		ids[i], names[i] = t.ID, t.Name
	}
	return didYouMean(typed, ids, names)
}
