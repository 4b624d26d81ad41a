package cli

import (
	"os"
	"path/filepath"
	"testing"

	"switchboard/ui"
)

// An SSH session uses the server's operators/<id>.toml when there is one, else its config.toml;
// an id that would leave the folder is never a path.
func TestOperatorConfigOnTheServer(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SWITCHBOARD_CONFIG", filepath.Join(dir, "config.toml"))
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte("theme = \"light\"\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, "operators"), 0o700)
	os.WriteFile(filepath.Join(dir, "operators", "carol.toml"), []byte("theme = \"high-contrast\"\n[keys]\nreply = \"e\"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "evil.toml"), []byte("theme = \"dark\"\n"), 0o600)
	if c := operatorConfig("carol"); c.Theme != ui.ThemeHighContrast || c.Keys.Reply.Help().Key != "e" || c.Problem != "" {
		t.Fatalf("carol's own file: %+v", c)
	}
	for _, op := range []string{"bob", "../evil", "", ".."} {
		if c := operatorConfig(op); c.Theme != ui.ThemeLight || c.Keys.Reply.Help().Key != "r" {
			t.Fatalf("%q: want the server's config.toml, got theme %q", op, c.Theme)
		}
	}
}
