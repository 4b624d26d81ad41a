package bolt

import (
	"encoding/json"
	"fmt"

	"switchboard/routing"
)

// ---- configuration ----

// Settings returns the workspace settings (zero Settings in a new file).
func (t *Tx) Settings() (Settings, error) {
	var s Settings
	_, err := getJSON(t.b(bConfig), []byte("settings"), &s)
	return s, err
}

// PutSettings stores the settings.
func (t *Tx) PutSettings(s Settings) error { return putJSON(t.b(bConfig), []byte("settings"), s) }

// Operators returns every operator, ordered by id.
func (t *Tx) Operators() ([]Operator, error) {
	var out []Operator
	err := t.b(bOperators).ForEach(func(k, v []byte) error {
		var o Operator
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("damaged operator %q: %w", k, err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// PutOperator stores an operator.
func (t *Tx) PutOperator(o Operator) error { return putJSON(t.b(bOperators), []byte(o.ID), o) }

// DeleteOperator removes an operator record.
func (t *Tx) DeleteOperator(id string) error { return t.b(bOperators).Delete([]byte(id)) }

// Teams returns the teams in workspace order.
func (t *Tx) Teams() ([]Team, error) {
	var order []string
	if _, err := getJSON(t.b(bConfig), []byte("team_order"), &order); err != nil {
		return nil, err
	}
	out := make([]Team, 0, len(order))
	for _, id := range order {
		var tm Team
		ok, err := getJSON(t.b(bTeams), []byte(id), &tm)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, tm)
		}
	}
	return out, nil
}

// PutTeam stores a team; a new team goes last in the order.
func (t *Tx) PutTeam(tm Team) error {
	if t.b(bTeams).Get([]byte(tm.ID)) == nil {
		var order []string
		if _, err := getJSON(t.b(bConfig), []byte("team_order"), &order); err != nil {
			return err
		}
		order = append(order, tm.ID)
		if err := putJSON(t.b(bConfig), []byte("team_order"), order); err != nil {
			return err
		}
	}
	return putJSON(t.b(bTeams), []byte(tm.ID), tm)
}

// DeleteTeam removes a team and its round-robin memory.
func (t *Tx) DeleteTeam(id string) error {
	var order []string
	if _, err := getJSON(t.b(bConfig), []byte("team_order"), &order); err != nil {
		return err
	}
	kept := order[:0]
	for _, o := range order {
		if o != id {
			kept = append(kept, o)
		}
	}
	if err := putJSON(t.b(bConfig), []byte("team_order"), kept); err != nil {
		return err
	}
	if err := t.b(bRoundRobin).Delete([]byte(id)); err != nil {
		return err
	}
	return t.b(bTeams).Delete([]byte(id))
}

// RoundRobin returns every team's round-robin memory.
func (t *Tx) RoundRobin() (map[string]routing.RoundRobinState, error) {
	out := map[string]routing.RoundRobinState{}
	err := t.b(bRoundRobin).ForEach(func(k, v []byte) error {
		var st routing.RoundRobinState
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("damaged round-robin memory %q: %w", k, err)
		}
		out[string(k)] = st
		return nil
	})
	return out, err
}

// PutRoundRobin stores one team's round-robin memory.
func (t *Tx) PutRoundRobin(team string, st routing.RoundRobinState) error {
	return putJSON(t.b(bRoundRobin), []byte(team), st)
}

// AddHistory appends a settings change to the history.
func (t *Tx) AddHistory(c SettingChange) (SettingChange, error) {
	seq, err := t.NextSeq()
	if err != nil {
		return c, err
	}
	c.Seq = seq
	return c, putJSON(t.b(bHistory), be64(seq), c)
}

// History returns the settings history, oldest first.
func (t *Tx) History() ([]SettingChange, error) {
	var out []SettingChange
	err := t.b(bHistory).ForEach(func(k, v []byte) error {
		var c SettingChange
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("damaged settings history entry: %w", err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}
