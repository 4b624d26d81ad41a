package inbox

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"switchboard/inbox/domain"
)

func TestSearchFindsMessageTextFoldedCountsAndPages(t *testing.T) {
	s := newService(t, true)
	for i, in := range []Inbound{
		{Channel: "message", From: "+34655001629", Name: "Rosa Martín", Text: "Hola, mi pedido nunca llegó y lo necesito para el lunes"},
		{Channel: "message", From: "+34655001630", Name: "Rosa Perez", Text: "¿Dónde está mi PEDIDO?"},
		{Channel: "message", From: "+34655001631", Name: "Jo Kim", Text: "Thanks"},
	} {
		in.ExternalID = "s" + string(rune('a'+i))
		noErr(s.Inject(ctx, in))(t)
	}
	r, err := s.Search(ctx, "rosa martin", 0, 10)
	if err != nil || r.Total != 1 || len(r.Hits) != 1 || r.Hits[0].Name != "Rosa Martín" || r.Hits[0].Snippet != "" {
		t.Fatalf("\"rosa martin\" = %+v, %v", r, err)
	}
	r, err = s.Search(ctx, "pedido", 0, 10)
	if err != nil || r.Total != 2 || len(r.Hits) != 2 {
		t.Fatalf("\"pedido\" = %+v, %v", r, err)
	}
	for _, h := range r.Hits {
		if !strings.Contains(strings.ToLower(h.Snippet), "pedido") {
			t.Errorf("%s was found by its message but the snippet is %q", h.Name, h.Snippet)
		}
	}
	r2, _ := s.Search(ctx, "pedido", 1, 1)
	if r2.Total != 2 || len(r2.Hits) != 1 || r2.Hits[0].ID != r.Hits[1].ID || r2.Offset != 1 {
		t.Fatalf("the second page of one = %+v, want %s", r2, r.Hits[1].ID)
	}
	if r, _ := s.Search(ctx, "   ", 0, 10); r.Total != 0 || r.Hits == nil {
		t.Fatalf("an empty query = %+v", r)
	}
}

func TestCutAroundKeepsTheMatchInView(t *testing.T) {
	text := strings.Repeat("palabra ", 20) + "Martín llegó " + strings.Repeat("fin ", 20)
	got, ok := cutAround(text, "martin")
	if !ok || !strings.Contains(got, "Martín") || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("cutAround = %q, %v", got, ok)
	}
	if got, ok := cutAround(text, "nowhere"); ok || got != "" {
		t.Fatalf("cutAround of a text without the query = %q, %v", got, ok)
	}
}

// Text whose folded form is shorter or longer than it (U+200B copied off the screen, a word
// joiner, combining accents, "ß" folded to "ss") still has its match in the snippet: the match
// was looked for at a count of folded characters, and sixty invisible characters before it put
// the snippet that far before the match.
func TestCutAroundFindsTheMatchWhereFoldingChangesLengths(t *testing.T) {
	for _, before := range []string{
		strings.Repeat("\u200b", 60),
		strings.Repeat("a\u2060", 40),
		strings.Repeat("e\u0301", 50),
		strings.Repeat("Straße ", 30),
		strings.Repeat("\ufeffß", 45),
	} {
		text := strings.Join(strings.Fields(before+" Pedido Martín "+strings.Repeat("más ", 30)), " ") // as snippetOf gives it
		got, ok := cutAround(text, "pedido martin")
		if !ok || !strings.Contains(got, "Pedido Martín") {
			t.Errorf("cutAround(%q) = %q, %v: the match is not in it", before[:12], got, ok)
		}
		if c, _ := utf8.DecodeRuneInString(strings.TrimPrefix(got, "…")); unicode.Is(unicode.Mn, c) {
			t.Errorf("cutAround(%q) = %q: begins with a mark cut off its letter", before[:12], got)
		}
		if !foldsAlike(text) {
			t.Errorf("folding %q a character at a time differs from folding it whole", before[:12])
		}
	}
}

// foldsAlike reports whether cutAround's per-character folding is Fold's.
func foldsAlike(text string) bool {
	var f []byte
	for _, c := range text {
		f = domain.AppendFold(f, string(c))
	}
	return string(f) == domain.Fold(text)
}

// A number written as people write it (+, spaces, dashes, parentheses) finds its contact, as
// the number typed into inject reaches it (NormalizePhone); it found nothing with parentheses.
func TestSearchTakesANumberAsWritten(t *testing.T) {
	s := newService(t, true)
	for _, q := range []string{"+1 (555) 000-1111", "1-555-000-1111", "(555) 0001111"} {
		r, err := s.Search(ctx, q, 0, 10)
		if err != nil || len(r.Hits) != 1 || r.Hits[0].ID != "15550001111" {
			t.Errorf("Search(%q): %+v %v", q, r.Hits, err)
		}
		cs, err := s.Contacts(ctx, q, 5)
		if err != nil || len(cs) != 1 || cs[0].ID != "15550001111" {
			t.Errorf("Contacts(%q): %+v %v", q, cs, err)
		}
	}
}
