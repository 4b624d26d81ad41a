package data

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoDoorOrScreenImportsStorage: the inbox, its doors, the screens and the demo reach storage
// only through the inbox's Store interface; no storage package (nor bbolt, nor pgx) is among their
// dependencies. main wires the engine in.
func TestNoDoorOrScreenImportsStorage(t *testing.T) {
	pkgs := []string{"switchboard/inbox", "switchboard/inbox/domain", "switchboard/inbox/rpc", "switchboard/inbox/webhook",
		"switchboard/inbox/whatsapp", "switchboard/inbox/whatsapp/fakegraph",
		"switchboard/ui", "switchboard/sshd", "switchboard/demo", "switchboard/routing"}
	out, err := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "switchboard/data") || strings.HasPrefix(dep, "go.etcd.io/bbolt") || strings.HasPrefix(dep, "github.com/jackc/") {
			t.Errorf("a storage package is a dependency of %v: %s", pkgs, dep)
		}
	}
}
