package database

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// SQLitePath is the template file of a sqlite:/// URL: sqlite:///rel/path
// is relative to dir (the project's), sqlite:////abs/path absolute.
func SQLitePath(rawURL, dir string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "sqlite" {
		return "", fmt.Errorf("not a sqlite:/// URL: %s", rawURL)
	}
	path := strings.TrimPrefix(u.Path, "/")
	if path == "" {
		return "", fmt.Errorf("%s names no file", rawURL)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	return path, nil
}

// SQLiteURL is the URL of a SQLite file, as workers get it: sqlite:/// and
// the absolute path, which is what SQLAlchemy and Django's dj-database-url read.
func SQLiteURL(path string) string { return "sqlite:///" + path }

// CheckSQLite says, as an *Error, why a template file cannot be copied.
func CheckSQLite(rawURL, path string) error {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return &Error{URL: rawURL, Msg: fmt.Sprintf("cannot read the SQLite template %s", path), Err: err,
			Hint: "create the template file, or fix [tool.shoal.database] url (sqlite:///path is relative to pyproject.toml)"}
	case !info.Mode().IsRegular():
		return &Error{URL: rawURL, Msg: fmt.Sprintf("the SQLite template %s is not a file", path),
			Hint: "point [tool.shoal.database] url at the template's file"}
	}
	return nil
}

// CopySQLite copies the template file to dst; a journal left next to the
// template (-wal, -journal) is not copied: the template must be at rest.
func CopySQLite(template, dst string) error {
	in, err := os.Open(template)
	if err != nil {
		return fmt.Errorf("cannot copy SQLite template: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot copy SQLite template: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("cannot copy SQLite template to %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("cannot copy SQLite template to %s: %w", dst, err)
	}
	return nil
}
