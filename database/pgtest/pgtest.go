// Package pgtest gives tests the PostgreSQL server they run against:
// $SHOAL_TEST_POSTGRES_URL, else the role scripts/postgres.sh makes on the
// local server. Tests skip when it cannot be reached, and fail instead
// where SHOAL_REQUIRE_POSTGRES=1 says a server must be there (as CI does).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"shoal/dsn"
)

// DefaultURL is the server and role scripts/postgres.sh sets up.
const DefaultURL = "postgresql://shoal_test:shoal_test@127.0.0.1:5432/postgres"

// URL returns the URL of a maintenance database on the test server, or
// skips t (fails it under SHOAL_REQUIRE_POSTGRES=1) when none answers.
func URL(t testing.TB) string {
	t.Helper()
	u, err := Find()
	if err != nil {
		if os.Getenv("SHOAL_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("SHOAL_REQUIRE_POSTGRES=1 but PostgreSQL cannot be reached: %v", err)
		}
		t.Skipf("no PostgreSQL server (set SHOAL_TEST_POSTGRES_URL, or run scripts/postgres.sh): %v", err)
	}
	return u
}

// Find returns the test server's URL, or why it cannot be reached.
func Find() (string, error) {
	u := os.Getenv("SHOAL_TEST_POSTGRES_URL")
	if u == "" {
		u = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return "", err
	}
	_ = conn.Close(ctx)
	return u, nil
}

// Exec runs statements on the database of url.
func Exec(t testing.TB, url string, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("cannot connect to %s: %v", dsn.Redact(url), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Template creates a template database with a seed table, seed(id, name),
// of three rows, and drops it when t ends. It returns its URL.
func Template(t testing.TB, server string) string {
	t.Helper()
	name := "shoal_tpl_" + random()
	Exec(t, server, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { Drop(t, server, name) })
	tpl := WithDatabase(t, server, name)
	Exec(t, tpl, "CREATE TABLE seed (id int PRIMARY KEY, name text NOT NULL); "+
		"INSERT INTO seed VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	return tpl
}

// Drop drops database name, ending the test role's sessions on it first.
func Drop(t testing.TB, server, name string) {
	t.Helper()
	Exec(t, server, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "+
		"WHERE datname = $1 AND pid <> pg_backend_pid() AND pg_has_role(usesysid, 'MEMBER')", name)
	Exec(t, server, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize())
}

// WithDatabase is url with its database replaced by name.
func WithDatabase(t testing.TB, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Databases lists the databases whose names match the LIKE pattern.
func Databases(t testing.TB, server, like string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("cannot connect to %s: %v", dsn.Redact(server), err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname", like)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func random() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
