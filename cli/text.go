package cli

import (
	"fmt"
	"strings"
)

// Small pieces of text every noun prints.

// The widest a name and a preview are printed in a table, in terminal cells (longer ones are
// cut with "…").
const (
	nameCells    = 40
	previewCells = 50
)

// orDash is s, or "-" for nothing.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// named is "Name (id)", or the id alone when the name is empty or the id itself.
func named(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%s)", name, id)
}

// shellQuote quotes s for a shell when it has anything beyond a safe set of characters, so a
// printed command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+:=@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
