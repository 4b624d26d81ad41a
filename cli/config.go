package cli

import (
	"os"
	"path/filepath"
	"strings"

	"switchboard/ui"
)

// ---- the person's keys, theme and bell ----

// configPath is the config file of the person running this process: SWITCHBOARD_CONFIG, else
// $XDG_CONFIG_HOME/switchboard/config.toml, else ~/.config/switchboard/config.toml.
func configPath() string {
	if p := os.Getenv("SWITCHBOARD_CONFIG"); p != "" {
		return p
	}
	if d := ui.ConfigDir(os.Environ()); d != "" {
		return filepath.Join(d, "config.toml")
	}
	return ""
}

// config reads the local terminal's config file; a problem with it is printed on stderr too
// (where it stays after the screen closes), and the screen starts with the defaults.
func (a *app) config() *ui.Config {
	c := ui.DefaultConfig()
	if p := configPath(); p != "" {
		c = ui.LoadConfig(p)
	}
	if c.Problem != "" {
		a.errText().Printf("Config: %s\n", c.Problem)
	}
	return &c
}

// operatorConfig is an SSH session's: the server's operators/<id>.toml beside its config file
// when there is one, else the server's config.toml (read when the session begins, so an edit
// applies to the next session).
func operatorConfig(operator string) ui.Config {
	main := configPath()
	if main == "" {
		return ui.DefaultConfig()
	}
	if operator != "" && !strings.ContainsAny(operator, `/\`) && operator != "." && operator != ".." {
		own := filepath.Join(filepath.Dir(main), "operators", operator+".toml")
		if _, err := os.Stat(own); err == nil {
			return ui.LoadConfig(own)
		}
	}
	return ui.LoadConfig(main)
}
