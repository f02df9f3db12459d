// Package database gives every worker a database of its own: a PostgreSQL
// database created from a template database, so that the template's schema
// and seed data come along, or a copy of a SQLite template file.
package database

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"shoal/dsn"
)

// Error is a database problem a user can fix. Its message names the URL
// with the password hidden; Hint says what to try.
type Error struct {
	URL  string // redacted
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string {
	msg := e.Msg + " (" + e.URL + ")"
	if e.Err != nil {
		msg += ": " + oneLine(e.Err)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// oneLine flattens pgx's multi-line errors, one line per address and
// attempt (with TLS, without), which often say the same thing.
func oneLine(err error) string {
	lines := strings.Split(err.Error(), "\n")
	var out []string
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i == 0 && len(lines) > 1 {
			l = strings.TrimSuffix(l, ":")
		}
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) < 2 {
		return strings.Join(out, "")
	}
	return out[0] + ": " + strings.Join(out[1:], "; ")
}

// ConnectTimeout bounds each attempt to reach the server.
const ConnectTimeout = 10 * time.Second

// Postgres is a server holding the template database, reached through a
// maintenance database: a database cannot be copied while anyone, shoal
// included, is connected to it.
type Postgres struct {
	url      *url.URL // the template's URL, as configured
	raw      string   // the same, as written
	Template string
	conn     *pgx.Conn
}

// Open connects to the server of the template URL and checks that the
// template exists. Every error is an *Error.
func Open(ctx context.Context, rawURL string) (*Postgres, error) {
	p, err := Connect(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	var found bool
	err = p.conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", p.Template).Scan(&found)
	if err != nil {
		p.Close()
		return nil, p.fail("cannot look up the template database", err)
	}
	if !found {
		p.Close()
		return nil, &Error{URL: p.Redacted(), Msg: fmt.Sprintf("the template database %q does not exist", p.Template),
			Hint: fmt.Sprintf("create it and load its schema (createdb %s), or fix [tool.shoal.database] url", p.Template)}
	}
	return p, nil
}

// Connect connects to the server of the template URL, for dropping what
// an earlier run made: the template itself may be gone.
func Connect(ctx context.Context, rawURL string) (*Postgres, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &Error{URL: dsn.Redact(rawURL), Msg: "cannot read the database URL",
			Hint: "write postgresql://user:password@host:port/template_db"}
	}
	p := &Postgres{url: u, raw: rawURL, Template: strings.Trim(u.Path, "/")}
	if err := p.connect(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// connect opens a connection to the maintenance database "postgres", or
// "template1" on servers without it.
func (p *Postgres) connect(ctx context.Context) error {
	var err error
	for _, db := range []string{"postgres", "template1"} {
		ctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
		p.conn, err = pgx.Connect(ctx, p.URLOf(db))
		cancel()
		if err == nil {
			return nil
		}
		if code(err) != "3D000" { // invalid_catalog_name: no such database
			break
		}
	}
	return p.fail("cannot connect to the database server", err)
}

// fail turns a server's error into an *Error with a hint for its kind.
func (p *Postgres) fail(msg string, err error) *Error {
	e := &Error{URL: p.Redacted(), Msg: msg, Err: err}
	switch code(err) {
	case "28P01", "28000": // invalid_password, invalid_authorization_specification
		e.Hint = "check the user and password in [tool.shoal.database] url (or PGPASSWORD, ~/.pgpass)"
	case "42501": // insufficient_privilege
		e.Hint = fmt.Sprintf("the role needs the right to create databases: ALTER ROLE %s CREATEDB", p.url.User.Username())
	case "55006": // object_in_use
		e.Hint = fmt.Sprintf("close the other connections to %q: PostgreSQL copies a database only while nobody is connected to it", p.Template)
	case "":
		e.Hint = "check that the server runs and that [tool.shoal.database] url names it"
	}
	return e
}

func code(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Redacted is the template's URL as users see it: without its password
// or any other secret.
func (p *Postgres) Redacted() string { return dsn.Redact(p.raw) }

// URLOf is the URL of database name on the template's server, password
// and parameters included: what a worker connects with.
func (p *Postgres) URLOf(name string) string {
	u := *p.url
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// FairShare is the server's connections, less those kept for superusers,
// shared out between workers: bounding each worker's database to it keeps
// one worker from starving the others. It is at least 1.
func (p *Postgres) FairShare(ctx context.Context, workers int) (int, error) {
	var total, reserved int
	err := p.conn.QueryRow(ctx, "SELECT current_setting('max_connections')::int, "+
		"current_setting('superuser_reserved_connections')::int").Scan(&total, &reserved)
	if err != nil {
		return 0, p.fail("cannot read the server's max_connections", err)
	}
	// One connection stays for shoal itself.
	return max(1, (total-reserved-1)/max(1, workers)), nil
}

// Create makes database name as a copy of the template, allowing at most
// limit connections to it.
func (p *Postgres) Create(ctx context.Context, name string, limit int) error {
	sql := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s CONNECTION LIMIT %d",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{p.Template}.Sanitize(), limit)
	if _, err := p.conn.Exec(ctx, sql); err != nil {
		return p.fail(fmt.Sprintf("cannot create database %q from template %q", name, p.Template), err)
	}
	return nil
}

// Drop removes database name if it exists, first ending the sessions
// still connected to it that the role may end. Not WITH (FORCE): that
// refuses when an autovacuum worker is there, which plain DROP DATABASE
// stops by itself.
func (p *Postgres) Drop(ctx context.Context, name string) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		_, err = p.conn.Exec(ctx, terminate, name)
		if err == nil {
			_, err = p.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize())
		}
		if code(err) != "55006" { // object_in_use: someone connected again
			break
		}
	}
	if err != nil {
		return p.fail(fmt.Sprintf("cannot drop database %q", name), err)
	}
	return nil
}

// terminate ends the client sessions on database $1 that the role may end.
const terminate = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
AND pg_has_role(usesysid, 'MEMBER')`

// Close ends the maintenance connection.
func (p *Postgres) Close() {
	if p.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.conn.Close(ctx)
		p.conn = nil
	}
}

// Reconnect opens a new maintenance connection, for the end of a run: the
// server may have closed an idle one meanwhile.
func (p *Postgres) Reconnect(ctx context.Context) error {
	p.Close()
	return p.connect(ctx)
}

// maxName is the longest database name PostgreSQL keeps whole (NAMEDATALEN-1).
const maxName = 63

// Name is the database of worker in run: the template's name, "shoal", the
// run's id and the worker, as in app_test_shoal_1f2e3d4c_gw0. A long
// template name is cut so that the whole stays within 63 bytes.
func Name(template, runID, worker string) string {
	suffix := "_shoal_" + runID + "_" + worker
	keep := maxName - len(suffix)
	if len(template) > keep {
		template = template[:max(0, keep)]
		// Never cut a character in half.
		for !utf8.ValidString(template) {
			template = template[:len(template)-1]
		}
	}
	return template + suffix
}
