package domain

import "strings"

// SearchQuery is a contact search (ReadTx.FindContacts) as every engine reads it: what to look
// for in numbers, business-scoped ids, names and message text.
type SearchQuery struct {
	// Digits are the query's digits when the query is a number ("+34 655-001", "655001"): the
	// start of a contact's number, and from four digits on also a part inside one (the national
	// number, typed without the country code: Inside).
	Digits string
	Inside bool
	// BSUID is the query as the start of a business-scoped user id ("US.1349…"), or "".
	BSUID string
	// Folded is the query in Fold's form, for names, @usernames and message text ("": the
	// query has nothing more to look for).
	Folded string
}

var phoneSeparators = strings.NewReplacer(" ", "", "-", "")

// ParseSearch reads a contact search's query.
func ParseSearch(q string) SearchQuery {
	raw := strings.TrimSpace(q)
	var s SearchQuery
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, raw)
	if digits != "" && len(digits) == len(strings.TrimPrefix(phoneSeparators.Replace(raw), "+")) {
		s.Digits, s.Inside = digits, len(digits) >= 4
	}
	if len(raw) >= 3 && raw[2] == '.' {
		s.BSUID = raw
	}
	s.Folded = Fold(raw)
	return s
}

// Hits collects a search's matches in the order they are found: each contact once, every one
// counted, those from offset on kept, up to limit.
type Hits struct {
	out           ContactHits
	seen          map[string]bool
	offset, limit int
}

// NewHits starts collecting the page from offset, of limit contacts.
func NewHits(offset, limit int) *Hits {
	return &Hits{out: ContactHits{InText: map[string]bool{}}, seen: map[string]bool{}, offset: offset, limit: limit}
}

// Add counts a match (inText: found by message text only); a contact found before is not
// counted again.
func (h *Hits) Add(id string, inText bool) {
	if h.seen[id] {
		return
	}
	h.seen[id] = true
	if h.out.Total >= h.offset && len(h.out.IDs) < h.limit {
		h.out.IDs = append(h.out.IDs, id)
		if inText {
			h.out.InText[id] = true
		}
	}
	h.out.Total++
}

// Result is the page and the count.
func (h *Hits) Result() ContactHits { return h.out }

// AddLast is Add for the last phase of a search, which finds each contact at most once: what
// came before is looked up, nothing is remembered.
func (h *Hits) AddLast(id string, inText bool) {
	if h.seen[id] {
		return
	}
	if h.out.Total >= h.offset && len(h.out.IDs) < h.limit {
		h.out.IDs = append(h.out.IDs, id)
		if inText {
			h.out.InText[id] = true
		}
	}
	h.out.Total++
}
