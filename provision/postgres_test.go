//go:build integration

package provision

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"shoal/config"
	"shoal/database/pgtest"
	"shoal/dsn"
)

func TestPostgres(t *testing.T) {
	server := pgtest.URL(t)
	opts := testOptions(t, 2)
	opts.Database = config.Database{URL: pgtest.Template(t, server), MaxConnections: 3}
	r := setup(t, opts)
	template := strings.TrimPrefix(mustURLPath(t, opts.Database.URL), "/")
	names := pgtest.Databases(t, server, template+"_shoal_%")
	if len(names) != 2 {
		t.Fatalf("databases %v, want one per worker", names)
	}
	for i, w := range r.Workers {
		url := r.Env(i)["SHOAL_DATABASE_URL"]
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatalf("%s cannot connect to its database: %v", w.ID, err)
		}
		var db string
		var seeds, limit int
		conn.QueryRow(ctx, "SELECT current_database(), (SELECT count(*) FROM seed), "+
			"(SELECT datconnlimit FROM pg_database WHERE datname = current_database())").Scan(&db, &seeds, &limit)
		if db != names[i] || seeds != 3 || limit != 3 {
			t.Errorf("%s: database %s with %d seed rows and limit %d; want %s, 3, 3", w.ID, db, seeds, limit, names[i])
		}
		// A connection still open at the end does not keep the database.
		defer conn.Close(ctx)
		if d := r.Describe(w.ID); strings.Contains(d.Database, "shoal_test:shoal_test") || !strings.Contains(d.Database, db) {
			t.Errorf("Describe shows the database as %q: want it named, without the password", d.Database)
		}
	}
	if err := r.Close(false); err != nil {
		t.Fatal(err)
	}
	if left := pgtest.Databases(t, server, template+"_shoal_%"); len(left) > 0 {
		t.Errorf("databases left: %v", left)
	}
	checkNothingLeft(t, opts)
}

func TestPostgresErrors(t *testing.T) {
	server := pgtest.URL(t)
	for name, url := range map[string]string{
		"unreachable":      "postgresql://app:s3cret-pw@127.0.0.1:1/app_test",
		"missing template": pgtest.WithDatabase(t, server, "shoal_no_such_template"),
	} {
		t.Run(name, func(t *testing.T) {
			opts := testOptions(t, 2)
			opts.Database.URL = url
			_, err := Setup(context.Background(), opts)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if !strings.Contains(e.Msg, dsn.Redact(url)) || strings.Contains(e.Msg, "s3cret") {
				t.Errorf("message %q should name %s", e.Msg, dsn.Redact(url))
			}
			checkNothingLeft(t, opts)
		})
	}
}
