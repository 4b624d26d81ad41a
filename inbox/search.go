package inbox

import (
	"context"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"switchboard/inbox/domain"
)

// SearchResult is a page of the inbox's search (/): how many contacts matched in all, and
// the page asked for.
type SearchResult struct {
	Total  int         `json:"total"`
	Offset int         `json:"offset"`
	Hits   []SearchHit `json:"hits"`
}

// SearchHit is one contact found; Snippet is the message it was found by (for a match in
// message text only: the newest message or reply containing the query, cut around it).
type SearchHit struct {
	ContactView
	Snippet string `json:"snippet,omitempty"`
}

// SearchMax is the most hits one page of the search returns.
const SearchMax = 50

// Search finds contacts by number, business-scoped id, name or @username, or the text of their
// latest messages and replies, case and accents folded ("rosa martin" finds "Rosa Martín"):
// the page from offset on, up to limit hits (at most SearchMax; 0: ten), with the total.
func (s *Service) Search(ctx context.Context, query string, offset, limit int) (SearchResult, error) {
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, SearchMax)
	offset = max(0, offset)
	query = numberQuery(query) // trimmed too
	out := SearchResult{Offset: offset, Hits: []SearchHit{}}
	if query == "" {
		return out, nil
	}
	cfg := s.cfg.Load()
	fq := domain.Fold(query)
	err := s.db.View(func(tx domain.ReadTx) error {
		hits, err := tx.FindContacts(ctx, query, offset, limit)
		if err != nil {
			return err
		}
		out.Total = hits.Total
		for _, id := range hits.IDs {
			c, ok, err := tx.Contact(id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			h := SearchHit{ContactView: cfg.contactView(c)}
			if hits.InText[id] {
				h.Snippet = snippetOf(tx, id, fq)
			}
			out.Hits = append(out.Hits, h)
		}
		return nil
	})
	return out, readErr0(err)
}

// snippetOf finds the newest message or reply of the contact whose text contains fq (folded)
// and cuts it around the match.
func snippetOf(tx domain.ReadTx, contact, fq string) string {
	entries, _, err := tx.Timeline(contact, "", 100)
	if err != nil {
		return ""
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Text == "" || (e.Kind != domain.KindMessage && e.Kind != domain.KindReply) {
			continue
		}
		if s, ok := cutAround(strings.Join(strings.Fields(e.Text), " "), fq); ok {
			return s
		}
	}
	return ""
}

// cutAround returns up to about 60 characters of text around the first match of fq (folded)
// in it, and false when text does not contain it. Folding changes lengths ("ß" folds to two
// letters, a mark or a U+200B to none), so text is folded a character at a time and the match
// is found back at the character whose folded form it starts in. text has no runs of spaces
// (the only place Fold looks past one character).
func cutAround(text, fq string) (string, bool) {
	r := []rune(text)
	starts := make([]int, len(r)) // where each character's folded form starts in f
	f := make([]byte, 0, len(text))
	var one [utf8.UTFMax]byte
	for i, c := range r {
		starts[i] = len(f)
		f = domain.AppendFold(f, string(one[:utf8.EncodeRune(one[:], c)]))
	}
	j := strings.Index(string(f), fq)
	if j < 0 {
		return "", false
	}
	at := sort.SearchInts(starts, j+1) - 1 // the last character starting at or before j
	at = max(at, 0)
	from := max(0, at-20)
	for from > 0 && from < at && r[from-1] != ' ' {
		from++ // from the start of a word
	}
	for from > 0 && from < at && unicode.In(r[from], unicode.Mn, unicode.Mc, unicode.Me) {
		from++ // not from a mark cut off its letter
	}
	to := min(len(r), from+60)
	s := string(r[from:to])
	if from > 0 {
		s = "…" + s
	}
	if to < len(r) {
		s += "…"
	}
	return s, true
}

// numberQuery is a query that is a phone number as people write it ("+1 (555) 000-1111") as the
// digits the index holds; any other query as it is.
func numberQuery(q string) string {
	if n, err := NormalizePhone(q); err == nil { // only digits and what people type between them
		return n
	}
	return strings.TrimSpace(q)
}
