// Package dsn shows database connection strings without their secrets, in
// every form pgx accepts: postgres:// and postgresql:// URLs (a password
// in the user information or as a password or sslpassword parameter,
// several hosts) and keyword/value strings (password=…, quoted or not).
// A password may hold characters that break a URL's structure ("/", "?",
// "#", "@"): where the structure is in doubt, more is hidden, never less.
package dsn

import (
	"net/url"
	"strings"
)

// Mask stands in for every secret shown.
const Mask = "xxxxx"

// secretKeys are the settings whose values are secrets.
var secretKeys = []string{"password", "sslpassword"}

// Redact is s as shoal shows it to users: every secret it holds replaced
// by Mask.
func Redact(s string) string {
	if scheme, rest, ok := strings.Cut(s, "://"); ok && !strings.ContainsAny(scheme, " \t\n=") {
		return scheme + "://" + redactUserinfo(redactParams(rest))
	}
	return redactKeywords(s)
}

// redactUserinfo hides the password of a URL's user information: what
// follows the first ":" of the text before its "@". pgx ends the user
// information at the first "@" or "/"; net/url at "/", "?" or "#". Both
// are covered by taking the last "@" before the first "/"; and when an
// "@" comes only after a "/" (a password holding "/"), by hiding all from
// the first ":" to the last "@".
func redactUserinfo(rest string) string {
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		slash = len(rest)
	}
	at := strings.LastIndexByte(rest[:slash], '@')
	if at < 0 {
		at = strings.LastIndexByte(rest, '@')
	}
	if at < 0 {
		return rest
	}
	colon := strings.IndexByte(rest[:at], ':')
	if colon < 0 || colon > slash {
		return rest
	}
	return rest[:colon+1] + Mask + rest[at:]
}

// redactParams hides the values of a URL's secret parameters, wherever a
// "?" or "&" starts one (a "?" in a password is no query). A value runs to
// the next "&" that starts another parameter, so that a password holding
// "&" is hidden whole.
func redactParams(rest string) string {
	var b strings.Builder
	for i := 0; i < len(rest); i++ {
		b.WriteByte(rest[i])
		if rest[i] != '?' && rest[i] != '&' {
			continue
		}
		key, _, ok := strings.Cut(rest[i+1:], "=")
		if !ok || strings.ContainsAny(key, "?&#") || !isSecret(unescape(key)) {
			continue
		}
		start := i + 1 + len(key) + 1
		end := paramEnd(rest, start)
		b.WriteString(rest[i+1:start] + Mask)
		i = end - 1
	}
	return b.String()
}

// paramEnd is where the value that starts at start ends: at a "#", or at
// an "&" followed by a parameter's name and "=".
func paramEnd(s string, start int) int {
	for j := start; j < len(s); j++ {
		switch s[j] {
		case '#':
			return j
		case '&':
			if isParamStart(s[j+1:]) {
				return j
			}
		}
	}
	return len(s)
}

// isParamStart: s starts with a name and "=".
func isParamStart(s string) bool {
	name, _, ok := strings.Cut(s, "=")
	return ok && name != "" && !strings.ContainsAny(name, "&#?/@: ")
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func isSecret(key string) bool {
	key = strings.ToLower(strings.TrimSpace(key))
	for _, k := range secretKeys {
		if key == k {
			return true
		}
	}
	return false
}

// redactKeywords hides the secret values of a keyword/value string
// ("host=db user=app password='a b'"), read as pgx reads it: a value is
// quoted with ' (\ escapes) or runs to the next white space (\ escapes
// too). An unquoted secret runs on to the next keyword, so that a password
// holding a space is hidden whole.
func redactKeywords(s string) string {
	var b strings.Builder
	i := 0
	for i < len(s) {
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			break
		}
		key := s[i : i+eq]
		b.WriteString(key + "=")
		i += eq + 1
		for i < len(s) && isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
		}
		end := valueEnd(s, i)
		if isSecret(lastWord(key)) {
			if !(i < len(s) && s[i] == '\'') {
				end = nextKeyword(s, end)
			}
			b.WriteString(Mask)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	b.WriteString(s[i:])
	return b.String()
}

// valueEnd is where the value starting at i ends.
func valueEnd(s string, i int) int {
	quoted := i < len(s) && s[i] == '\''
	if quoted {
		i++
	}
	for ; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case quoted && s[i] == '\'':
			return i + 1
		case !quoted && isSpace(s[i]):
			return i
		}
	}
	return len(s)
}

// nextKeyword is where, at or after i, white space is followed by a word
// and "=": the next setting.
func nextKeyword(s string, i int) int {
	for j := i; j < len(s); j++ {
		if !isSpace(s[j]) {
			continue
		}
		rest := strings.TrimLeft(s[j:], " \t\n\r\v\f")
		if word, _, ok := strings.Cut(rest, "="); ok && isWord(strings.TrimRight(word, " \t\n\r\v\f")) {
			return j
		}
	}
	return len(s)
}

func lastWord(key string) string {
	f := strings.Fields(key)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return strings.IndexByte(" \t\n\r\v\f", c) >= 0 }
