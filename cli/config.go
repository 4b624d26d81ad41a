package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

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

// configView is what `switchboard config` prints with --json.
type configView struct {
	Path    string            `json:"path"`
	Exists  bool              `json:"exists"`
	Theme   ui.Theme          `json:"theme"`
	Bell    ui.Bell           `json:"bell"`
	Keys    map[string]string `json:"keys"` // action → its keys, as help writes them
	Problem string            `json:"problem,omitempty"`
}

// newConfigCmd checks the config file without opening the inbox.
func newConfigCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "config [OPERATOR]",
		Short: "Check your config file (keys, theme, bell): where it is, what it sets, what is wrong",
		Long: `Reads the config file the terminal inbox would read — SWITCHBOARD_CONFIG, else
$XDG_CONFIG_HOME/switchboard/config.toml, else ~/.config/switchboard/config.toml — and prints
where it is, the theme, the bell and every action's keys; a file that cannot be used is an
error naming its line (exit 1), and the inbox would start with the defaults. With OPERATOR, the
file an SSH session of theirs would use on this server (operators/OPERATOR.toml beside it,
else config.toml); run over SSH (ssh HOST config), the file your own SSH sessions use.`,
		Example: `  switchboard config
  switchboard config carol --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var c ui.Config
			overSSH := a.remote != nil && len(args) == 0
			switch {
			case len(args) == 1:
				c = operatorConfig(args[0])
			case overSSH:
				// over SSH: the file this server gives the person's SSH screens, not the server's
				// own terminal's (their own machine's file is not read by anyone here)
				c = operatorConfig(a.remote.Operator())
			default:
				c = ui.DefaultConfig()
				if p := configPath(); p != "" {
					c = ui.LoadConfig(p)
				}
			}
			v := configView{Path: c.Path, Exists: c.Path != "", Theme: c.Theme, Bell: c.Bell, Keys: map[string]string{}, Problem: c.Problem}
			if v.Path == "" {
				v.Path = configPath()
			}
			for name, b := range c.Keys.Named() {
				v.Keys[name] = b.Help().Key
			}
			err := a.emit(v, func(w *textOut) {
				switch {
				case overSSH && !v.Exists:
					w.Printf("Your SSH sessions on this server use the default keys and colours (no config file at %s on the server; its admin can add operators/%s.toml beside it).\n", v.Path, a.remote.Operator())
				case overSSH:
					w.Printf("Config file your SSH sessions use on this server: %s (its admin edits it; it applies from your next session)\n", v.Path)
				case !v.Exists:
					w.Printf("No config file at %s: the default keys and colours.\n", v.Path)
				default:
					w.Printf("Config file: %s\n", v.Path)
				}
				w.Printf("Theme: %s · bell: %s\n", v.Theme, v.Bell)
				t := w.Table("", 2)
				t.Row("ACTION", "KEYS")
				for _, n := range ui.ActionNames() {
					t.Row(n, v.Keys[n])
				}
				t.Flush()
			})
			if err != nil {
				return err
			}
			if c.Problem != "" {
				return errors.New(c.Problem)
			}
			return nil
		}),
	}
}
