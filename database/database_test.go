package database

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// checkError: err is an *Error whose message names want (a redacted URL),
// never the password, and whose hint holds hint.
func checkError(t *testing.T, err error, want, password, hint string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want an *Error", err, err)
	}
	if !strings.Contains(e.Error(), want) {
		t.Errorf("message %q should name %s", e.Error(), want)
	}
	if strings.Contains(e.Error()+e.Hint, password) {
		t.Errorf("message or hint shows the password: %s / %s", e.Error(), e.Hint)
	}
	if strings.Contains(e.Error(), "\n") {
		t.Errorf("message should be one line: %q", e.Error())
	}
	if !strings.Contains(e.Hint, hint) {
		t.Errorf("hint %q should contain %q", e.Hint, hint)
	}
}

func TestOpenUnreachable(t *testing.T) {
	// Nothing listens on port 1.
	_, err := Open(ctx(t), "postgresql://app:s3cret-pw@127.0.0.1:1/app_test")
	checkError(t, err, "postgresql://app:xxxxx@127.0.0.1:1/app_test", "s3cret-pw", "server runs")
}

func TestName(t *testing.T) {
	cases := []struct{ template, want string }{
		{"app_test", "app_test_shoal_1f2e3d4c_gw0"},
		{strings.Repeat("t", 70), strings.Repeat("t", 63-len("_shoal_1f2e3d4c_gw0")) + "_shoal_1f2e3d4c_gw0"},
		{strings.Repeat("é", 30), strings.Repeat("é", 22) + "_shoal_1f2e3d4c_gw0"},
	}
	for _, c := range cases {
		got := Name(c.template, "1f2e3d4c", "gw0")
		if got != c.want || len(got) > 63 || !utf8.ValidString(got) {
			t.Errorf("Name(%q) = %q (%d bytes), want %q", c.template, got, len(got), c.want)
		}
	}
}

func TestSQLite(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tests"), 0o755); err != nil {
		t.Fatal(err)
	}
	tpl := filepath.Join(dir, "tests", "app.sqlite3")
	if err := os.WriteFile(tpl, []byte("SQLite format 3\x00 and the rest"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := SQLitePath("sqlite:///tests/app.sqlite3", dir)
	if err != nil || path != tpl {
		t.Fatalf("SQLitePath gave %q, %v; want %q", path, err, tpl)
	}
	if abs, _ := SQLitePath("sqlite:////"+tpl[1:], "/elsewhere"); abs != tpl {
		t.Errorf("an absolute sqlite URL gave %q, want %q", abs, tpl)
	}
	if err := CheckSQLite("sqlite:///tests/app.sqlite3", path); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "gw0.sqlite3")
	if err := CopySQLite(path, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "SQLite format 3\x00 and the rest" {
		t.Errorf("the copy holds %q", got)
	}
	missing := filepath.Join(dir, "missing.sqlite3")
	var e *Error
	if err := CheckSQLite("sqlite:///missing.sqlite3", missing); !errors.As(err, &e) || !strings.Contains(e.Error(), missing) {
		t.Errorf("a missing template gave %v, want an *Error naming %s", err, missing)
	}
}
