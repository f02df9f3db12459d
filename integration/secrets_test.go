//go:build integration

package integration_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shoal/database/pgtest"
)

// TestDatabaseSecrets runs the resources suite with the template's
// password given as URL parameters, password= and sslpassword=, which
// pgx and libpq both read. Neither may show anywhere: not in what shoal
// prints (with -v, which lists every worker's database), not in the run
// record, not in the JUnit file.
func TestDatabaseSecrets(t *testing.T) {
	requirePython(t)
	t.Parallel()
	if !postgresWanted(t) {
		t.Skip("no PostgreSQL server")
	}
	r := &provisionRun{dir: copySuite(t, "resources"), cache: t.TempDir(), tmp: privateTmp(t)}
	r.server = pgtest.URL(t)
	tpl, err := url.Parse(pgtest.Template(t, r.server))
	if err != nil {
		t.Fatal(err)
	}
	r.template = strings.TrimPrefix(tpl.Path, "/")
	password, _ := tpl.User.Password()
	const sslSecret = "k3y-s3cret"
	tpl.User = url.User(tpl.User.Username())
	q := tpl.Query()
	q.Set("password", password)
	q.Set("sslpassword", sslSecret)
	tpl.RawQuery = q.Encode()
	r.appendConfig(t, fmt.Sprintf("\n[tool.shoal.ports]\nbase = %d\n\n[tool.shoal.database]\nurl = %q\n", nextPortBase(), tpl.String()))

	files := t.TempDir()
	rec, junit := filepath.Join(files, "record.json"), filepath.Join(files, "junit.xml")
	out := execute(t, r.dir, append(r.env(), "TMPDIR="+r.tmp), time.Minute, termGrace, shoalBin,
		"run", "-n", "4", "-v", "--python", python, "--report-json", rec, "--", "-p", "no:cacheprovider", "--junitxml", junit)
	r.checkNothingLeft(t)
	if out.code != 0 || !strings.Contains(out.stdout, "database postgresql://") {
		t.Fatalf("shoal should pass the suite and list each worker's database:\n%s", out)
	}
	shown := map[string]string{"stdout": out.stdout, "stderr": out.stderr}
	for _, f := range []string{rec, junit} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		shown[filepath.Base(f)] = string(data)
	}
	for where, text := range shown {
		for _, secret := range []string{"password=" + password, ":" + password + "@", sslSecret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows %q:\n%s", where, secret, text)
			}
		}
	}
}
