//go:build integration

package database

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"shoal/database/pgtest"
)

func TestOpenMissingTemplate(t *testing.T) {
	server := pgtest.URL(t)
	u := pgtest.WithDatabase(t, server, "shoal_no_such_template")
	_, err := Open(ctx(t), u)
	checkError(t, err, "does not exist", "shoal_test:shoal_test", "createdb shoal_no_such_template")
	checkError(t, err, ":xxxxx@", "shoal_test:shoal_test", "")
}

func TestOpenWrongPassword(t *testing.T) {
	server := pgtest.URL(t)
	u := strings.Replace(pgtest.Template(t, server), ":shoal_test@", ":wrong-pw@", 1)
	if !strings.Contains(u, "wrong-pw") {
		t.Skip("the test server's URL has another password; cannot build a wrong one")
	}
	_, err := Open(ctx(t), u)
	checkError(t, err, "cannot connect", "wrong-pw", "password")
}

// TestCreateDrop: a worker database is a copy of the template, seed data
// included, bounded to its connection limit; Drop removes it even while a
// connection is open.
func TestCreateDrop(t *testing.T) {
	t.Parallel()
	server := pgtest.URL(t)
	tpl := pgtest.Template(t, server)
	p, err := Open(ctx(t), tpl)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	name := Name(p.Template, "0badc0de", "gw0")
	if err := p.Create(ctx(t), name, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgtest.Drop(t, server, name) })
	if got := pgtest.Databases(t, server, name); len(got) != 1 {
		t.Fatalf("database %s not created: %v", name, got)
	}
	conn, err := pgx.Connect(ctx(t), p.URLOf(name))
	if err != nil {
		t.Fatalf("cannot connect to the worker's database: %v", err)
	}
	var n int
	var limit int
	if err := conn.QueryRow(ctx(t), "SELECT count(*) FROM seed").Scan(&n); err != nil || n != 3 {
		t.Errorf("seed rows in the copy: %d, %v; want 3", n, err)
	}
	if err := conn.QueryRow(ctx(t), "SELECT datconnlimit FROM pg_database WHERE datname = current_database()").Scan(&limit); err != nil || limit != 2 {
		t.Errorf("connection limit %d, %v; want 2", limit, err)
	}
	// The role is no superuser, so the limit holds: a third connection fails.
	second, err := pgx.Connect(ctx(t), p.URLOf(name))
	if err != nil {
		t.Fatalf("a second connection should be allowed: %v", err)
	}
	defer second.Close(ctx(t))
	if third, err := pgx.Connect(ctx(t), p.URLOf(name)); err == nil {
		third.Close(ctx(t))
		t.Errorf("a third connection got in past the limit of 2")
	}
	if err := p.Drop(ctx(t), name); err != nil {
		t.Fatalf("Drop with open connections: %v", err)
	}
	if got := pgtest.Databases(t, server, name); len(got) != 0 {
		t.Errorf("database %s still there after Drop", name)
	}
	if err := p.Drop(ctx(t), name); err != nil {
		t.Errorf("dropping a database that is gone should be no error: %v", err)
	}
}

// TestCreateWhileTemplateInUse: PostgreSQL refuses to copy a database
// someone is connected to; the error says so.
func TestCreateWhileTemplateInUse(t *testing.T) {
	t.Parallel()
	server := pgtest.URL(t)
	tpl := pgtest.Template(t, server)
	p, err := Open(ctx(t), tpl)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	user, err := pgx.Connect(ctx(t), tpl)
	if err != nil {
		t.Fatal(err)
	}
	defer user.Close(ctx(t))
	name := Name(p.Template, "0badc0de", "gw1")
	err = p.Create(ctx(t), name, 5)
	if err == nil {
		pgtest.Drop(t, server, name)
		t.Fatal("Create succeeded while the template was in use")
	}
	checkError(t, err, "cannot create database", "shoal_test:shoal_test", "close the other connections")
}

func TestFairShare(t *testing.T) {
	server := pgtest.URL(t)
	p, err := Open(ctx(t), pgtest.Template(t, server))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	one, err := p.FairShare(ctx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	four, _ := p.FairShare(ctx(t), 4)
	many, _ := p.FairShare(ctx(t), 100000)
	if one < 2 || four > one/4 || four < 1 || many != 1 {
		t.Errorf("fair shares for 1, 4 and 100000 workers: %d, %d, %d", one, four, many)
	}
}
