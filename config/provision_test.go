package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadProvision(t *testing.T) {
	type testCase struct {
		name string
		text string
		want func(c *Config) // changes to the defaults
	}
	run := func(t *testing.T, tc testCase) {
		path := writeFile(t, t.TempDir(), FileName, tc.text)
		got, err := Load(path)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		want := Default()
		want.File = path
		tc.want(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", *got, *want)
		}
	}
	testCases := []testCase{
		{
			name: "ports",
			text: "[tool.shoal.ports]\nbase = 15000\nsize = 20\n",
			want: func(c *Config) { c.Ports = Ports{Base: 15000, Size: 20} },
		},
		{
			name: "ports size only keeps the default base",
			text: "[tool.shoal.ports]\nsize = 10\n",
			want: func(c *Config) { c.Ports.Size = 10 },
		},
		{
			name: "postgresql database",
			text: "[tool.shoal.database]\nurl = \"postgresql://app:secret@db:5433/app_test\"\nmax_connections = 5\n",
			want: func(c *Config) {
				c.Database = Database{URL: "postgresql://app:secret@db:5433/app_test", MaxConnections: 5}
			},
		},
		{
			name: "sqlite database",
			text: "[tool.shoal.database]\nurl = \"sqlite:///tests/app.sqlite3\"\n",
			want: func(c *Config) { c.Database.URL = "sqlite:///tests/app.sqlite3" },
		},
		{
			name: "services as an array of tables",
			text: `[tool.shoal]
workers = 2

[[tool.shoal.services]]
name = "echo"
command = "python3 echo.py --port {port} --worker {worker} --dir {tmp}"

[[tool.shoal.services]]
name = "redis"
command = "redis-server --port {port} --dir {tmp} --save '' --appendonly no"
ready_command = "redis-cli -p {port} ping"
ready_timeout = 2.5
`,
			want: func(c *Config) {
				c.Workers = "2"
				c.Services = []Service{
					{Name: "echo", Command: "python3 echo.py --port {port} --worker {worker} --dir {tmp}", ReadyTimeout: DefaultReadyTimeout},
					{Name: "redis", Command: "redis-server --port {port} --dir {tmp} --save '' --appendonly no",
						ReadyCommand: "redis-cli -p {port} ping", ReadyTimeout: 2500 * time.Millisecond},
				}
			},
		},
		{
			name: "services as an inline array",
			text: "[tool.shoal]\nservices = [{ name = \"a\", command = \"serve {port}\", ready_timeout = 3 }]\n",
			want: func(c *Config) {
				c.Services = []Service{{Name: "a", Command: "serve {port}", ReadyTimeout: 3 * time.Second}}
			},
		},
		{
			name: "shell variables are no placeholders",
			text: "[[tool.shoal.services]]\nname = \"s\"\ncommand = \"serve --home ${HOME} --port {port} | awk '{print $1}'\"\n",
			want: func(c *Config) {
				c.Services = []Service{{Name: "s", Command: "serve --home ${HOME} --port {port} | awk '{print $1}'",
					ReadyTimeout: DefaultReadyTimeout}}
			},
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestLoadProvisionErrors(t *testing.T) {
	type testCase struct {
		name string
		text string
		want string // Error() with FILE for the path
		key  string
		hint string // a part of the hint
	}
	run := func(t *testing.T, tc testCase) {
		path := writeFile(t, t.TempDir(), FileName, tc.text)
		c, err := Load(path)
		if err == nil {
			t.Fatalf("Load gave %+v, want an error", *c)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error is %T, want *Error: %v", err, err)
		}
		if want := strings.ReplaceAll(tc.want, "FILE", path); err.Error() != want {
			t.Errorf("error\n got: %s\nwant: %s", err, want)
		}
		if e.Key != tc.key {
			t.Errorf("key %q, want %q", e.Key, tc.key)
		}
		if !strings.HasPrefix(e.Hint, "hint: ") || !strings.Contains(e.Hint, tc.hint) {
			t.Errorf("hint %q, want one starting \"hint: \" and containing %q", e.Hint, tc.hint)
		}
		if strings.Contains(err.Error()+e.Hint, "s3cret") {
			t.Errorf("the message shows the password: %s %s", err, e.Hint)
		}
	}
	testCases := []testCase{
		{
			name: "port base too low",
			text: "[tool.shoal.ports]\nbase = 80\n",
			want: "FILE:2:8: [tool.shoal] ports.base: expected a port number from 1024 to 65535, got 80",
			key:  "ports.base", hint: "need root",
		},
		{
			name: "port size zero",
			text: "[tool.shoal.ports]\nsize = 0\n",
			want: "FILE:2:8: [tool.shoal] ports.size: expected a number of ports ≥ 1, got 0",
			key:  "ports.size", hint: "remove the key",
		},
		{
			name: "port block past 65535",
			text: "[tool.shoal]\nfork = true\n\n[tool.shoal.ports]\nbase = 65500\nsize = 100\n",
			want: "FILE:4:13: [tool.shoal] ports: the first worker's block 65500-65599 ends past port 65535",
			key:  "ports", hint: "lower base or size",
		},
		{
			name: "ports not a table",
			text: "[tool.shoal]\nports = \"20000-20100\"\n",
			want: `FILE:2:9: [tool.shoal] ports: expected a table, got "20000-20100"`,
			key:  "ports", hint: "fix the value",
		},
		{
			name: "unknown database key",
			text: "[tool.shoal.database]\ndsn = \"x\"\n",
			want: "FILE:2:1: [tool.shoal] database.dsn: unknown key; known keys are url, max_connections",
			key:  "database.dsn", hint: "spelling",
		},
		{
			name: "database url of another kind",
			text: "[tool.shoal.database]\nurl = \"mysql://root:s3cret@db/app\"\n",
			want: "FILE:2:7: [tool.shoal] database.url: expected a postgresql:// or sqlite:/// URL, got mysql://root:xxxxx@db/app",
			key:  "database.url", hint: "postgresql://user:password@host:port/template_db",
		},
		{
			name: "database url without a database",
			text: "[tool.shoal.database]\nurl = \"postgresql://app:s3cret@localhost:5432\"\n",
			want: "FILE:2:7: [tool.shoal] database.url: postgresql://app:xxxxx@localhost:5432 names no database: which one is the template to copy?",
			key:  "database.url", hint: "template_db",
		},
		{
			name: "database url that does not parse",
			text: "[tool.shoal.database]\nurl = \"postgresql://app:s3cret@local host/x\"\n",
			want: "FILE:2:7: [tool.shoal] database.url: expected a database URL, got one that does not parse (postgresql://app:xxxxx@local host/x)",
			key:  "database.url", hint: "template_db",
		},
		{
			name: "database url whose password holds a /",
			text: "[tool.shoal.database]\nurl = \"postgresql://app:pa/ss-s3cret@localhost/app_test\"\n",
			want: "FILE:2:7: [tool.shoal] database.url: expected a database URL, got one that does not parse (postgresql://app:xxxxx@localhost/app_test)",
			key:  "database.url", hint: "template_db",
		},
		{
			name: "database url as keywords and values",
			text: "[tool.shoal.database]\nurl = \"host=localhost user=app password=kv-s3cret dbname=app_test\"\n",
			want: "FILE:2:7: [tool.shoal] database.url: expected a postgresql:// or sqlite:/// URL, got host=localhost user=app password=xxxxx dbname=app_test",
			key:  "database.url", hint: "template_db",
		},
		{
			name: "max connections zero",
			text: "[tool.shoal.database]\nurl = \"postgresql://localhost/t\"\nmax_connections = 0\n",
			want: "FILE:3:19: [tool.shoal] database.max_connections: expected a number of connections ≥ 1, got 0",
			key:  "database.max_connections", hint: "remove the key",
		},
		{
			name: "services is a table",
			text: "[tool.shoal.services]\nname = \"x\"\n",
			want: "FILE:1:13: [tool.shoal] services: expected an array of tables ([[tool.shoal.services]]), got a table",
			key:  "services", hint: "fix the value",
		},
		{
			name: "second service without a command",
			text: "[[tool.shoal.services]]\nname = \"a\"\ncommand = \"a {port}\"\n\n[[tool.shoal.services]]\nname = \"b\"\n",
			want: "FILE:5:3: [tool.shoal] services[1]: the service has no command",
			key:  "services[1]", hint: "needs name and command",
		},
		{
			name: "service without name or command",
			text: "[[tool.shoal.services]]\nready_timeout = 1\n",
			want: "FILE:1:3: [tool.shoal] services[0]: the service has no name and command",
			key:  "services[0]", hint: "needs name and command",
		},
		{
			name: "bad value in the second service",
			text: "[[tool.shoal.services]]\nname = \"a\"\ncommand = \"a\"\n[[tool.shoal.services]]\nname = \"b\"\ncommand = \"b\"\nready_timeout = -1\n",
			want: "FILE:7:17: [tool.shoal] services[1].ready_timeout: expected a number of seconds from 0 to 3600, got -1",
			key:  "services[1].ready_timeout", hint: "remove the key",
		},
		{
			name: "unknown key in a service",
			text: "[[tool.shoal.services]]\nname = \"a\"\ncmd = \"a\"\n",
			want: "FILE:3:1: [tool.shoal] services[0].cmd: unknown key; known keys are name, command, ready_command, ready_timeout",
			key:  "services[0].cmd", hint: "spelling",
		},
		{
			name: "service name with a space",
			text: "[[tool.shoal.services]]\nname = \"my db\"\ncommand = \"a\"\n",
			want: `FILE:2:8: [tool.shoal] services[0].name: expected a name of letters, digits, "-" and "_", such as "redis", got "my db"`,
			key:  "services[0].name", hint: "remove the key",
		},
		{
			name: "two services of one name",
			text: "[[tool.shoal.services]]\nname = \"cache-db\"\ncommand = \"a\"\n[[tool.shoal.services]]\nname = \"cache_db\"\ncommand = \"b\"\n",
			want: `FILE:5:8: [tool.shoal] services[1].name: a service named "cache_db" is there already`,
			key:  "services[1].name", hint: "its own name",
		},
		{
			name: "unknown placeholder",
			text: "[[tool.shoal.services]]\nname = \"a\"\ncommand = \"serve --port {prot}\"\n",
			want: "FILE:3:11: [tool.shoal] services[0].command: unknown placeholder {prot}",
			key:  "services[0].command", hint: "{port}, {worker} and {tmp}",
		},
		{
			name: "bad key in an inline array element",
			text: "[tool.shoal]\nservices = [{ name = \"a\", command = \"a\" }, { name = \"b\", command = 3 }]\n",
			want: `FILE:2:68: [tool.shoal] services[1].command: expected a shell command such as "redis-server --port {port}", got 3`,
			key:  "services[1].command", hint: "remove the key",
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
