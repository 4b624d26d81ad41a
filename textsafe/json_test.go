package textsafe

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// JSON written through JSONWriter has no DEL, C1 or bidirectional control left raw, in one Write
// or cut anywhere into many, and decodes to exactly the same value.
func TestJSONWriterEscapesWhatDrivesATerminal(t *testing.T) {
	v := map[string]string{"name": "a\x7fb\u009b31m\u0085c\u202eevil\u2066x\u200fy\u061cz é 🧟 \x1b[2J", "plain": "Olá"}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for step := 1; step <= len(raw); step++ {
		var out bytes.Buffer
		w := JSONWriter(&out)
		for i := 0; i < len(raw); i += step {
			if _, err := w.Write(raw[min(i+step, len(raw)):min(i+step, len(raw))]); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(raw[i:min(i+step, len(raw))]); err != nil {
				t.Fatal(err)
			}
		}
		s := out.String()
		for _, bad := range []string{"\x7f", "\u009b", "\u0085", "\u202e", "\u2066", "\u200f", "\u061c", "\x1b"} {
			if strings.Contains(s, bad) {
				t.Fatalf("writes of %d bytes: %q left raw in %s", step, bad, s)
			}
		}
		if !strings.Contains(s, `\u009b`) || !strings.Contains(s, "é 🧟") {
			t.Fatalf("writes of %d bytes: %s", step, s)
		}
		var back map[string]string
		if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["name"] != v["name"] || back["plain"] != v["plain"] {
			t.Fatalf("writes of %d bytes: decodes to %q (%v), want %q", step, back, err, v)
		}
	}
}
