package redact

import (
	"strings"
	"testing"
)

func TestURLNeverShowsThePassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://sb:s3cret@db/sb":          "postgres://sb:xxxxx@db/sb",
		"postgres://sb@db/sb?password=s3cret": "postgres://sb@db/sb?password=xxxxx",
		"postgres://sb@db/sb?sslmode=disable": "postgres://sb@db/sb?sslmode=disable",
		"/var/lib/switchboard.db":             "/var/lib/switchboard.db",
		"postgres://sb:s3c%ret@db/sb":         "the database URL given (it does not parse as a URL; check its %-escapes)",
	} {
		got := URL(in)
		if got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "s3c") {
			t.Errorf("URL(%q) shows the password: %q", in, got)
		}
	}
}

func TestKeyValueDSNsAreRecognised(t *testing.T) {
	for s, want := range map[string]bool{
		"host=db user=sb password=x dbname=sb": true,
		"dbname=sb":                            true,
		"/tmp/a=b.db":                          false,
		"postgres://sb@db/sb?password=x":       false,
		"./switchboard.db":                     false,
	} {
		if got := LooksLikeKeyValueDSN(s); got != want {
			t.Errorf("LooksLikeKeyValueDSN(%q) = %v, want %v", s, got, want)
		}
	}
}
