package textsafe

import "testing"

// BenchmarkLine: the cost of making a frame's worth of typical names and previews safe, against
// copying them (the baseline, in the same run).
func BenchmarkLine(b *testing.B) {
	in := []string{"Priya Shah", "Valentina Greco", "Rosa Martín", "Please try again — the bank had an issue", "日本語のなまえ",
		"क्षत्रिय राजेश्वरी", "😀 thanks!", "Support", "Lena Fischer"}
	b.Run("baseline-copy", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for _, s := range in {
				n += len(s)
			}
		}
		_ = n
	})
	b.Run("Line", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range in {
				_ = Line(s)
			}
		}
	})
}
