package inbox

import (
	"context"
	"slices"
	"strings"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/inbox/domain"
)

// SSH keys: who signs in. An operator's keys are authorized_keys lines kept with the operator;
// a key belongs to one operator, and the SSH door asks OperatorForKey who a key that signed
// is. Admins add and remove keys (CapManagePeople); everyone may list them (they are public).

// KeyView is one key as the screens and commands show it.
type KeyView struct {
	Operator    string `json:"operator"`
	Type        string `json:"type"`        // ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, …
	Fingerprint string `json:"fingerprint"` // SHA256:…, as ssh-keygen -l prints it
	Comment     string `json:"comment,omitempty"`
	Line        string `json:"key"` // the authorized_keys line as stored
}

// maxKeysPerOperator bounds what one operator may register.
const maxKeysPerOperator = 32

// parseKey reads one authorized_keys line (options before the key are refused: they mean
// nothing here) and returns it normalised — type, base64 key, comment — with its view.
func parseKey(line string) (KeyView, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return KeyView{}, errorf(Invalid, "The key is empty: give an SSH public key (a line like `ssh-ed25519 AAAA… carol@laptop`, as in ~/.ssh/id_ed25519.pub)")
	}
	if strings.HasPrefix(line, "-----BEGIN") || strings.Contains(line, "PRIVATE KEY") {
		return KeyView{}, errorf(Invalid, "That is a private key: give the public one (the .pub file), and keep the private key to yourself")
	}
	pub, comment, options, rest, err := gossh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return KeyView{}, errorf(Invalid, "Not an SSH public key (%v): give a line like `ssh-ed25519 AAAA… carol@laptop`, as in ~/.ssh/id_ed25519.pub", err)
	}
	if len(options) > 0 {
		return KeyView{}, errorf(Invalid, "The key has authorized_keys options (%s): give the key alone, without options", strings.Join(options, ","))
	}
	if strings.TrimSpace(string(rest)) != "" {
		return KeyView{}, errorf(Invalid, "Give one key per line")
	}
	if _, isCert := pub.(*gossh.Certificate); isCert {
		return KeyView{}, errorf(Invalid, "That is an SSH certificate: give the plain public key")
	}
	comment = strings.TrimSpace(comment)
	if err := checkName("key comment", comment); err != nil && comment != "" {
		return KeyView{}, err
	}
	norm := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub)))
	if comment != "" {
		norm += " " + comment
	}
	return KeyView{Type: pub.Type(), Fingerprint: gossh.FingerprintSHA256(pub), Comment: comment, Line: norm}, nil
}

// keyViews lists an operator's keys.
func keyViews(o domain.Operator) []KeyView {
	out := make([]KeyView, 0, len(o.Keys))
	for _, line := range o.Keys {
		if k, err := parseKey(line); err == nil {
			k.Operator = o.ID
			out = append(out, k)
		}
	}
	return out
}

// checkKeys checks an operator's keys: each a public key, none twice.
func checkKeys(o domain.Operator) error {
	if len(o.Keys) > maxKeysPerOperator {
		return errorf(Invalid, "Operator %q has %d SSH keys; at most %d", o.ID, len(o.Keys), maxKeysPerOperator)
	}
	seen := map[string]bool{}
	for i, line := range o.Keys {
		k, err := parseKey(line)
		if err != nil {
			return errorf(Invalid, "Key %d of operator %q: %s", i+1, o.ID, err.Error())
		}
		if seen[k.Fingerprint] {
			return errorf(Invalid, "Operator %q has the key %s twice", o.ID, k.Fingerprint)
		}
		seen[k.Fingerprint] = true
	}
	return nil
}

// keyOwners maps each key's fingerprint to its operator, refusing a key two operators have.
func keyOwners(ops []domain.Operator) (map[string]string, error) {
	out := map[string]string{}
	for _, o := range ops {
		for _, line := range o.Keys {
			k, err := parseKey(line)
			if err != nil {
				continue // checked where the key came in
			}
			if other, dup := out[k.Fingerprint]; dup && other != o.ID {
				return nil, errorf(Conflict, "The SSH key %s belongs to both %q and %q: a key signs in as one operator", k.Fingerprint, other, o.ID)
			}
			out[k.Fingerprint] = o.ID
		}
	}
	return out, nil
}

// OperatorForKey is who signs in with the public key whose SHA256 fingerprint is fp (as
// golang.org/x/crypto/ssh.FingerprintSHA256 gives it).
func (s *Service) OperatorForKey(fp string) (domain.Operator, bool) {
	c := s.cfg.Load()
	id, ok := c.keyIdx[fp]
	if !ok {
		return domain.Operator{}, false
	}
	return c.op(id)
}

// Keys lists the SSH keys of one operator, or of everyone when operator is "".
func (s *Service) Keys(ctx context.Context, operator string) ([]KeyView, error) {
	c := s.cfg.Load()
	if operator != "" {
		o, ok := c.op(operator)
		if !ok {
			return nil, errorf(NotFound, "Operator %q not found; see `switchboard operators`", operator)
		}
		return keyViews(o), nil
	}
	out := []KeyView{}
	for _, o := range c.ops {
		out = append(out, keyViews(o)...)
	}
	return out, nil
}

// AddKey registers an SSH public key for an operator (admins). A key another operator has is
// refused; the same key again for the same operator changes nothing.
func (s *Service) AddKey(ctx context.Context, by, operator, line string) (KeyView, error) {
	k, err := parseKey(line)
	if err != nil {
		return KeyView{}, err
	}
	k.Operator = operator
	err = s.do(ctx, func(w *wtx) error {
		if err := w.requireAdmin(by); err != nil {
			return errorf(Forbidden, "Only admins can change operators' SSH keys; ask an admin (see `switchboard operators`)")
		}
		c := w.s.stage.clone()
		i, err := c.opAt(operator)
		if err != nil {
			return err
		}
		if other, taken := c.keyIdx[k.Fingerprint]; taken {
			if other == operator {
				return nil
			}
			o, _ := c.op(other)
			return errorf(Conflict, "The key %s already signs in as %s (%s): a key belongs to one operator; remove it there first (`switchboard operators keys remove %s %s`)",
				k.Fingerprint, o.Name, other, other, k.Fingerprint)
		}
		if len(c.ops[i].Keys) >= maxKeysPerOperator {
			return errorf(Invalid, "%s has %d SSH keys already, the most one operator may have; remove one first", c.ops[i].Name, maxKeysPerOperator)
		}
		w.write()
		o := c.ops[i]
		o.Keys = append(slices.Clip(o.Keys), k.Line)
		c.ops[i] = o
		if err := w.tx.PutOperator(o); err != nil {
			return must(err)
		}
		w.configChanged(newConfig(c.settings, c.ops, c.teams), by)
		return nil
	})
	if err != nil {
		return KeyView{}, err
	}
	return k, nil
}

// RemoveKey removes one of an operator's SSH keys (admins), named by its fingerprint or the
// key itself. Their open SSH sessions are not cut: a removed key no longer signs in.
func (s *Service) RemoveKey(ctx context.Context, by, operator, key string) (KeyView, error) {
	fp := strings.TrimSpace(key)
	if !strings.HasPrefix(fp, "SHA256:") {
		k, err := parseKey(key)
		if err != nil {
			return KeyView{}, errorf(Invalid, "Name the key by its fingerprint (SHA256:…, see `switchboard operators keys list`) or give the key itself: %s", err.Error())
		}
		fp = k.Fingerprint
	}
	var out KeyView
	err := s.do(ctx, func(w *wtx) error {
		if err := w.requireAdmin(by); err != nil {
			return errorf(Forbidden, "Only admins can change operators' SSH keys; ask an admin (see `switchboard operators`)")
		}
		c := w.s.stage.clone()
		i, err := c.opAt(operator)
		if err != nil {
			return err
		}
		o := c.ops[i]
		at := -1
		for j, kv := range keyViews(o) {
			if kv.Fingerprint == fp {
				at, out = j, kv
			}
		}
		if at < 0 {
			return errorf(NotFound, "%s has no SSH key %s; see `switchboard operators keys list %s`", o.Name, fp, operator)
		}
		w.write()
		o.Keys = slices.Delete(slices.Clone(o.Keys), at, at+1)
		c.ops[i] = o
		if err := w.tx.PutOperator(o); err != nil {
			return must(err)
		}
		w.configChanged(newConfig(c.settings, c.ops, c.teams), by)
		return nil
	})
	return out, err
}

// KeyReq names an operator and a key (a public key line, or for removal its fingerprint).
type KeyReq struct {
	Operator string `json:"operator"`
	Key      string `json:"key"`
}

func (x *Session) Keys(ctx context.Context, operator string) ([]KeyView, error) {
	return x.s.Keys(ctx, operator)
}
func (x *Session) AddKey(ctx context.Context, operator, key string) (KeyView, error) {
	return x.s.AddKey(ctx, x.op, operator, key)
}
func (x *Session) RemoveKey(ctx context.Context, operator, key string) (KeyView, error) {
	return x.s.RemoveKey(ctx, x.op, operator, key)
}

var (
	OpKeys   = op("Keys", func(ctx context.Context, s *Session, r IDReq) ([]KeyView, error) { return s.Keys(ctx, r.ID) })
	OpAddKey = op("AddKey", func(ctx context.Context, s *Session, r KeyReq) (KeyView, error) {
		return s.AddKey(ctx, r.Operator, r.Key)
	})
	OpRemoveKey = op("RemoveKey", func(ctx context.Context, s *Session, r KeyReq) (KeyView, error) {
		return s.RemoveKey(ctx, r.Operator, r.Key)
	})
)
