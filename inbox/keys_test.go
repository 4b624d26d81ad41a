package inbox

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// Keys: admins add and remove them, a key belongs to one operator, the key that signs in names
// its operator, bad keys are refused with a sentence and change nothing, and keys travel with
// the workspace document.
func TestSSHKeys(t *testing.T) {
	s, _ := newClockedService(t)
	carolKey, erinKey := testKey(t, "carol@laptop"), testKey(t, "erin@desk")

	if _, err := s.AddKey(ctx, "carol", "carol", carolKey); KindOf(err) != Forbidden {
		t.Fatalf("an operator added a key: %v", err)
	}
	k, err := s.AddKey(ctx, "alice", "carol", "  "+carolKey+"\n")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, _ := gossh.ParseAuthorizedKey([]byte(carolKey))
	if k.Fingerprint != gossh.FingerprintSHA256(pub) || k.Type != "ssh-ed25519" || k.Comment != "carol@laptop" || k.Line != carolKey {
		t.Fatalf("key view %+v", k)
	}
	if o, ok := s.OperatorForKey(k.Fingerprint); !ok || o.ID != "carol" {
		t.Fatalf("OperatorForKey = %+v %v", o, ok)
	}
	// the same key again for carol: nothing changes; for erin: refused, naming carol
	if _, err := s.AddKey(ctx, "alice", "carol", carolKey); err != nil {
		t.Fatal(err)
	}
	if ks, _ := s.Keys(ctx, "carol"); len(ks) != 1 {
		t.Fatalf("carol has %d keys after adding one twice", len(ks))
	}
	_, err = s.AddKey(ctx, "alice", "erin", carolKey)
	if KindOf(err) != Conflict || !strings.Contains(err.Error(), "already signs in as Carol Diaz (carol)") {
		t.Fatalf("a key given to two operators: %v", err)
	}
	before := export(t, s)
	for _, bad := range []struct{ key, says string }{
		{"", "The key is empty"},
		{"hello world", "Not an SSH public key"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----", "That is a private key"},
		{`command="ls" ` + erinKey, "authorized_keys options"},
		{erinKey + "\n" + carolKey, "one key per line"},
	} {
		if _, err := s.AddKey(ctx, "alice", "erin", bad.key); KindOf(err) != Invalid || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("AddKey(%q) = %v, want %q", bad.key, err, bad.says)
		}
	}
	if _, err := s.AddKey(ctx, "alice", "nobody", erinKey); KindOf(err) != NotFound {
		t.Errorf("a key for an unknown operator: %v", err)
	}
	if after := export(t, s); after != before {
		t.Fatal("a refused key changed the workspace")
	}
	if _, err := s.AddKey(ctx, "alice", "erin", erinKey); err != nil {
		t.Fatal(err)
	}
	all, err := s.Keys(ctx, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("all keys: %v %v", all, err)
	}

	// editing an operator keeps their keys
	o := status(t, s, "carol")
	o.Name = "Carol D."
	o.Keys = nil
	if err := s.UpdateOperator(ctx, "alice", o); err != nil {
		t.Fatal(err)
	}
	if ks, _ := s.Keys(ctx, "carol"); len(ks) != 1 {
		t.Fatalf("an edit dropped carol's keys: %v", ks)
	}

	// the document carries them, and refuses one key for two operators
	doc := export(t, s)
	if !strings.Contains(doc, `"keys"`) {
		t.Fatal("export has no keys")
	}
	s2 := newService(t, false)
	if err := s2.Import(ctx, "", strings.NewReader(doc), false); err != nil {
		t.Fatal(err)
	}
	if o, ok := s2.OperatorForKey(k.Fingerprint); !ok || o.ID != "carol" {
		t.Fatal("the imported workspace does not know carol's key")
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	for _, o := range d["operators"].([]any) {
		if o := o.(map[string]any); o["id"] == "dana" {
			o["keys"] = []string{carolKey}
		}
	}
	twice, _ := json.Marshal(d)
	s3 := newService(t, false)
	err = s3.Import(ctx, "", bytes.NewReader(twice), false)
	if err == nil || !strings.Contains(err.Error(), "belongs to both") {
		t.Fatalf("import with one key for two operators: %v", err)
	}

	// removing: by fingerprint or by the key; an operator may not
	if _, err := s.RemoveKey(ctx, "carol", "carol", k.Fingerprint); KindOf(err) != Forbidden {
		t.Fatalf("an operator removed a key: %v", err)
	}
	if _, err := s.RemoveKey(ctx, "alice", "carol", "SHA256:nope"); KindOf(err) != NotFound {
		t.Fatalf("removing a key carol does not have: %v", err)
	}
	if _, err := s.RemoveKey(ctx, "alice", "carol", k.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.OperatorForKey(k.Fingerprint); ok {
		t.Fatal("a removed key still signs in")
	}
	if _, err := s.RemoveKey(ctx, "alice", "erin", erinKey); err != nil {
		t.Fatal(err)
	}
	if ks, _ := s.Keys(ctx, ""); len(ks) != 0 {
		t.Fatalf("keys left: %v", ks)
	}
}
