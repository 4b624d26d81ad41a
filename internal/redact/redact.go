// Package redact takes secrets out of a workspace's name before it is shown: a database URL's
// password (in the user part or as a password= parameter). It is the one place every door,
// command and engine redacts with, so none is weaker than another.
package redact

import (
	"net/url"
	"strings"
)

// IsURL reports a workspace named by a URL (postgres://…) rather than a file path.
func IsURL(s string) bool { return strings.Contains(s, "://") }

// URL is s without its password; a path is itself. A URL that does not parse is never shown:
// its text may hold the password where a parser could not find it.
func URL(s string) string {
	if !IsURL(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "the database URL given (it does not parse as a URL; check its %-escapes)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// LooksLikeKeyValueDSN reports a libpq key=value connection string ("host=db user=sb …"),
// which must not be taken for a file path (it would create a file named after it, password and
// all).
func LooksLikeKeyValueDSN(s string) bool {
	if IsURL(s) || !strings.Contains(s, "=") {
		return false
	}
	for _, k := range []string{"host=", "hostaddr=", "dbname=", "user=", "password=", "port=", "sslmode="} {
		if strings.HasPrefix(s, k) || strings.Contains(s, " "+k) {
			return true
		}
	}
	return false
}
