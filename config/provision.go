package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"shoal/dsn"
)

// Ports is [tool.shoal.ports]: every worker owns a block of Size ports,
// gw0 from Base, gw1 from Base+Size, and so on.
type Ports struct {
	// Base is the first port of gw0's block (key "base"). Default 20000:
	// below Linux's ephemeral range (32768-60999), which the kernel hands
	// out to outgoing connections.
	Base int
	// Size is how many ports each worker owns (key "size"), its services'
	// ports included. Default 100.
	Size int
}

// Database is [tool.shoal.database]: the database every worker gets a copy of.
type Database struct {
	// URL names the template (key "url"): postgresql://user:password@host:port/name,
	// whose database each worker gets a copy of, or sqlite:///path (relative
	// to pyproject.toml; sqlite:////path is absolute), a file each worker
	// gets a copy of. Default "": no database.
	URL string
	// MaxConnections bounds the connections to each worker's PostgreSQL
	// database (key "max_connections"). Default 0: the server's
	// max_connections shared out evenly between the workers.
	MaxConnections int
}

// Service is one [[tool.shoal.services]] entry: a process each worker gets
// its own instance of, started before its first test.
type Service struct {
	// Name names the service in messages, log files and SHOAL_SERVICE_<NAME>_PORT
	// (key "name"); letters, digits, "-" and "_". Required.
	Name string
	// Command is a shell command (key "command") in which {port} is the port
	// the service gets from its worker's block, {worker} the worker's id
	// and {tmp} a directory of the instance's own. Required.
	Command string
	// ReadyCommand is a shell command, with the same placeholders, that
	// exits 0 once the service is ready (key "ready_command"). Default "":
	// ready once {port} accepts TCP connections.
	ReadyCommand string
	// ReadyTimeout is how long a service may take to get ready (key
	// "ready_timeout", seconds). Default 30 s.
	ReadyTimeout time.Duration
}

// Placeholders are what service commands may name in braces.
var Placeholders = []string{"port", "worker", "tmp"}

// DefaultReadyTimeout is ReadyTimeout's default.
const DefaultReadyTimeout = 30 * time.Second

var portSettings = []setting{
	{key: "base", set: setPortBase},
	{key: "size", set: setPortSize},
}

var databaseSettings = []setting{
	{key: "url", set: setDatabaseURL},
	{key: "max_connections", set: setMaxConnections},
}

var serviceSettings = []setting{
	{key: "name", set: setServiceName},
	{key: "command", set: setServiceCommand},
	{key: "ready_command", set: setReadyCommand},
	{key: "ready_timeout", set: setReadyTimeout},
}

func setPortBase(c *Config, v any) *Error {
	n, ok := v.(int64)
	if !ok || n < 1024 || n > 65535 {
		e := wrongValue("a port number from 1024 to 65535", v)
		if ok && n > 0 && n < 1024 {
			e.Hint = "hint: ports below 1024 need root; the default base is 20000"
		}
		return e
	}
	c.Ports.Base = int(n)
	return nil
}

func setPortSize(c *Config, v any) *Error {
	n, ok := v.(int64)
	if !ok || n < 1 || n > 65535 {
		return wrongValue("a number of ports ≥ 1", v)
	}
	c.Ports.Size = int(n)
	return nil
}

// checkPorts runs once [tool.shoal.ports] is read: one worker's block must
// fit below 65536. Whether all the workers' blocks fit is for the run to say.
func checkPorts(c *Config) *Error {
	if end := c.Ports.Base + c.Ports.Size - 1; end > 65535 {
		return &Error{Msg: fmt.Sprintf("the first worker's block %d-%d ends past port 65535", c.Ports.Base, end),
			Hint: "hint: lower base or size"}
	}
	return nil
}

func setDatabaseURL(c *Config, v any) *Error {
	s, ok := v.(string)
	if !ok {
		return wrongValue("a URL such as \"postgresql://user@localhost/app_test\"", v)
	}
	if err := CheckDatabaseURL(s); err != nil {
		return &Error{Msg: err.Error(),
			Hint: "hint: write postgresql://user:password@host:port/template_db or sqlite:///path/to/template.sqlite3"}
	}
	c.Database.URL = s
	return nil
}

// CheckDatabaseURL says what is wrong with a database URL, naming it with
// its password hidden; nil when shoal can use it.
func CheckDatabaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		// url's errors quote the whole URL, password and all.
		return fmt.Errorf("expected a database URL, got one that does not parse (%s)", dsn.Redact(s))
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		if strings.Trim(u.Path, "/") == "" {
			return fmt.Errorf("%s names no database: which one is the template to copy?", dsn.Redact(s))
		}
	case "sqlite":
		if strings.TrimPrefix(u.Path, "/") == "" {
			return fmt.Errorf("%s names no file", dsn.Redact(s))
		}
	default:
		return fmt.Errorf("expected a postgresql:// or sqlite:/// URL, got %s", dsn.Redact(s))
	}
	return nil
}

func setMaxConnections(c *Config, v any) *Error {
	n, ok := v.(int64)
	if !ok || n < 1 {
		return wrongValue("a number of connections ≥ 1", v)
	}
	c.Database.MaxConnections = int(n)
	return nil
}

func startService(c *Config) {
	c.Services = append(c.Services, Service{ReadyTimeout: DefaultReadyTimeout})
}

func lastService(c *Config) *Service { return &c.Services[len(c.Services)-1] }

var serviceName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func setServiceName(c *Config, v any) *Error {
	s, ok := v.(string)
	if !ok || !serviceName.MatchString(s) {
		return wrongValue(`a name of letters, digits, "-" and "_", such as "redis"`, v)
	}
	for _, other := range c.Services[:len(c.Services)-1] {
		if EnvName(other.Name) == EnvName(s) {
			return &Error{Msg: fmt.Sprintf("a service named %q is there already", s),
				Hint: "hint: give every service its own name"}
		}
	}
	lastService(c).Name = s
	return nil
}

func setServiceCommand(c *Config, v any) *Error {
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return wrongValue("a shell command such as \"redis-server --port {port}\"", v)
	}
	if e := checkPlaceholders(s); e != nil {
		return e
	}
	lastService(c).Command = s
	return nil
}

func setReadyCommand(c *Config, v any) *Error {
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		return wrongValue("a shell command such as \"redis-cli -p {port} ping\"", v)
	}
	if e := checkPlaceholders(s); e != nil {
		return e
	}
	lastService(c).ReadyCommand = s
	return nil
}

func setReadyTimeout(c *Config, v any) *Error {
	var secs float64
	switch v := v.(type) {
	case int64:
		secs = float64(v)
	case float64:
		secs = v
	default:
		return wrongValue("a number of seconds", v)
	}
	if secs <= 0 || secs > 3600 {
		return wrongValue("a number of seconds from 0 to 3600", v)
	}
	lastService(c).ReadyTimeout = time.Duration(secs * float64(time.Second))
	return nil
}

// checkService runs once an entry is read: name and command are required.
func checkService(c *Config) *Error {
	s := lastService(c)
	var missing []string
	if s.Name == "" {
		missing = append(missing, "name")
	}
	if s.Command == "" {
		missing = append(missing, "command")
	}
	if len(missing) == 0 {
		return nil
	}
	return &Error{Msg: "the service has no " + strings.Join(missing, " and "),
		Hint: "hint: every [[tool.shoal.services]] entry needs name and command, such as " +
			`name = "redis" and command = "redis-server --port {port}"`}
}

// placeholder matches {word}, but not ${word}, which belongs to the shell.
var placeholder = regexp.MustCompile(`(^|[^$])\{([a-z_]+)\}`)

func checkPlaceholders(s string) *Error {
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		known := false
		for _, p := range Placeholders {
			known = known || m[2] == p
		}
		if !known {
			return &Error{Msg: fmt.Sprintf("unknown placeholder {%s}", m[2]),
				Hint: "hint: commands may use {port}, {worker} and {tmp}"}
		}
	}
	return nil
}

// EnvName is a service's name as environment variables spell it:
// SHOAL_SERVICE_<EnvName>_PORT.
func EnvName(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
