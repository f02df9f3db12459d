package dsn

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRedact holds every form of connection string pgx accepts, and some
// it does not (a config error still quotes them), to the rule that no
// secret is ever shown. Where pgx accepts the string, pgx is asked which
// password it reads from it, so the table cannot drift from pgx.
func TestRedact(t *testing.T) {
	type testCase struct {
		name string
		in   string
		// secrets must not be in the output; the first is the password
		// pgx reads, where accepts says pgx takes the string.
		secrets []string
		accepts bool
		want    string // the exact output, where it is certain
	}
	run := func(t *testing.T, tc testCase) {
		got := Redact(tc.in)
		for _, s := range tc.secrets {
			if strings.Contains(got, s) {
				t.Errorf("Redact(%q) = %q shows %q", tc.in, got, s)
			}
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !tc.accepts {
			return
		}
		cfg, err := pgconn.ParseConfig(tc.in)
		if err != nil {
			t.Fatalf("pgx does not accept %q: %v", tc.in, err)
		}
		if cfg.Password != tc.secrets[0] {
			t.Errorf("pgx reads the password %q from %q, the table says %q", cfg.Password, tc.in, tc.secrets[0])
		}
	}
	testCases := []testCase{
		{name: "URL, password in the user information", in: "postgresql://app:s3cret@db:5432/app_test",
			secrets: []string{"s3cret"}, accepts: true, want: "postgresql://app:xxxxx@db:5432/app_test"},
		{name: "postgres:// scheme", in: "postgres://app:s3cret@db/app_test",
			secrets: []string{"s3cret"}, accepts: true, want: "postgres://app:xxxxx@db/app_test"},
		{name: "URL, no password", in: "postgresql://app@db/app_test", accepts: false,
			want: "postgresql://app@db/app_test"},
		{name: "percent-encoded password", in: "postgresql://app:p%40ss%2Fw%3Ard@db/app_test",
			secrets: []string{"p@ss/w:rd", "p%40ss"}, accepts: true, want: "postgresql://app:xxxxx@db/app_test"},
		{name: "password parameter", in: "postgresql://app@db/app_test?password=q-s3cret&sslmode=disable",
			secrets: []string{"q-s3cret"}, accepts: true, want: "postgresql://app@db/app_test?password=xxxxx&sslmode=disable"},
		{name: "sslpassword parameter", in: "postgresql://app:s3cret@db/app_test?sslmode=disable&sslpassword=k3y-pass",
			secrets: []string{"s3cret", "k3y-pass"}, accepts: true,
			want: "postgresql://app:xxxxx@db/app_test?sslmode=disable&sslpassword=xxxxx"},
		{name: "percent-encoded parameter name", in: "postgresql://app@db/app_test?pass%77ord=enc-s3cret",
			secrets: []string{"enc-s3cret"}, accepts: true},
		{name: "parameter holding & and @", in: "postgresql://app@db/app_test?password=a%26b@c&sslmode=disable",
			secrets: []string{"a&b@c", "a%26b@c", "b@c"}, accepts: true},
		{name: "unencoded & in a parameter", in: "postgresql://app@db/app_test?password=half&other&sslmode=disable",
			secrets: []string{"half", "other"}},
		{name: "several hosts", in: "postgresql://app:s3cret@db1:5432,db2:5433/app_test?target_session_attrs=any",
			secrets: []string{"s3cret"}, accepts: true, want: "postgresql://app:xxxxx@db1:5432,db2:5433/app_test?target_session_attrs=any"},
		{name: "password holding /", in: "postgresql://app:pa/ss-s3cret@db/app_test",
			secrets: []string{"pa/ss-s3cret", "ss-s3cret"}, want: "postgresql://app:xxxxx@db/app_test"},
		{name: "password of digits holding /", in: "postgresql://app:12/34@db/app_test",
			secrets: []string{"12/34", "/34"}},
		{name: "password holding ?", in: "postgresql://app:pa?ss-s3cret@db/app_test",
			secrets: []string{"pa?ss-s3cret", "ss-s3cret"}, accepts: true, want: "postgresql://app:xxxxx@db/app_test"},
		{name: "password holding #", in: "postgresql://app:pa#ss-s3cret@db/app_test",
			secrets: []string{"pa#ss-s3cret", "ss-s3cret"}, accepts: true},
		{name: "password holding @", in: "postgresql://app:p@ss-s3cret@db/app_test",
			secrets: []string{"p@ss-s3cret", "ss-s3cret"}, want: "postgresql://app:xxxxx@db/app_test"},
		{name: "password holding :", in: "postgresql://app:pa:ss-s3cret@db/app_test",
			secrets: []string{"pa:ss-s3cret", "ss-s3cret"}, accepts: true, want: "postgresql://app:xxxxx@db/app_test"},
		{name: "password holding / ? and @, parameter too", in: "postgresql://app:a/b?c@d@db/app_test?password=e@f",
			secrets: []string{"a/b?c@d", "b?c@d", "c@d", "e@f"}},
		{name: "keyword/value", in: "host=db port=5432 user=app password=kv-s3cret dbname=app_test",
			secrets: []string{"kv-s3cret"}, accepts: true, want: "host=db port=5432 user=app password=xxxxx dbname=app_test"},
		{name: "keyword/value, quoted", in: "host=db user=app password='kv s3cret \\' q' dbname=app_test",
			secrets: []string{"kv s3cret ' q", "s3cret", " q'"}, accepts: true,
			want: "host=db user=app password=xxxxx dbname=app_test"},
		{name: "keyword/value, spaces around =", in: "host = db password = kv-s3cret dbname = app_test",
			secrets: []string{"kv-s3cret"}, accepts: true},
		{name: "keyword/value, escaped space", in: `host=db password=kv\ s3cret dbname=app_test`,
			secrets: []string{"kv s3cret", `kv\ s3cret`, "s3cret"}, accepts: true},
		{name: "keyword/value, unquoted space", in: "host=db password=kv s3cret dbname=app_test",
			secrets: []string{"s3cret"}},
		{name: "keyword/value, sslpassword", in: "host=db user=app password=kv-s3cret sslpassword=kv-k3y",
			secrets: []string{"kv-s3cret", "kv-k3y"}, accepts: true},
		{name: "keyword/value, password last", in: "dbname=app_test password=kv-s3cret",
			secrets: []string{"kv-s3cret"}, accepts: true, want: "dbname=app_test password=xxxxx"},
		{name: "password holding @, a space in the host", in: "postgresql://a:b@c@d host/x",
			secrets: []string{"b@c", "c@d"}, want: "postgresql://a:xxxxx@d host/x"},
		{name: "sqlite", in: "sqlite:///tests/app.sqlite3", want: "sqlite:///tests/app.sqlite3"},
		{name: "not a connection string", in: "no settings here", want: "no settings here"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
