package cmdline

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"
)

// ownFlags are a few of shoal's flags: a value, a bool and a short one.
func ownFlags() *pflag.FlagSet {
	fl := pflag.NewFlagSet("shoal", pflag.ContinueOnError)
	fl.StringP("workers", "n", "", "")
	fl.String("timeout", "", "")
	fl.Bool("no-fork", false, "")
	fl.BoolP("help", "h", false, "")
	return fl
}

var pytestTable = Table{
	"-x": Flag, "-s": Flag, "-v": Flag, "-q": Flag, "-k": Value, "-p": Value, "-W": Value,
	"--tb": Value, "--lf": Flag, "--cov": Optional, "--deselect": Value, "--many": Many,
}

func TestSplit(t *testing.T) {
	type testCase struct {
		name         string
		args         []string
		table        Table
		shoal, py    []string
		wantOpenFlag bool
	}
	run := func(t *testing.T, tc testCase) {
		shoal, py, open := Split(tc.args, ownFlags(), tc.table)
		if !slices.Equal(shoal, tc.shoal) || !slices.Equal(py, tc.py) || open != tc.wantOpenFlag {
			t.Errorf("Split(%q) = %q, %q, %v; want %q, %q, %v", tc.args, shoal, py, open, tc.shoal, tc.py, tc.wantOpenFlag)
		}
	}
	tests := []testCase{
		{name: "paths and shoal flags", args: []string{"-n", "4", "tests/", "--no-fork"},
			shoal: []string{"-n", "4", "--no-fork"}, py: []string{"tests/"}},
		{name: "pytest options anywhere", args: []string{"-n", "4", "--tb=short", "-s", "tests/"}, table: pytestTable,
			shoal: []string{"-n", "4"}, py: []string{"--tb=short", "-s", "tests/"}, wantOpenFlag: true},
		{name: "a value given apart stays with its option", args: []string{"--tb", "short", "-k", "-n", "--timeout", "5"}, table: pytestTable,
			shoal: []string{"--timeout", "5"}, py: []string{"--tb", "short", "-k", "-n"}, wantOpenFlag: true},
		{name: "short options together are pulled apart", args: []string{"-xsn4", "-vn", "2"}, table: pytestTable,
			shoal: []string{"-n", "4", "-n", "2"}, py: []string{"-xs", "-v"}, wantOpenFlag: true},
		{name: "a short option's value written on", args: []string{"-knot slow", "-Werror", "-n2"}, table: pytestTable,
			shoal: []string{"-n", "2"}, py: []string{"-knot slow", "-Werror"}, wantOpenFlag: true},
		{name: "a value letter n is no worker count", args: []string{"-xkname", "-p", "no:cacheprovider"}, table: pytestTable,
			py: []string{"-xkname", "-p", "no:cacheprovider"}, wantOpenFlag: true},
		{name: "optional value", args: []string{"--cov", "src", "--cov", "--lf", "-n", "1"}, table: pytestTable,
			shoal: []string{"-n", "1"}, py: []string{"--cov", "src", "--cov", "--lf"}, wantOpenFlag: true},
		{name: "many values", args: []string{"--many", "a", "b", "-n", "1"}, table: pytestTable,
			shoal: []string{"-n", "1"}, py: []string{"--many", "a", "b"}, wantOpenFlag: true},
		{name: "an option no table knows goes as it is", args: []string{"--runslow", "-n", "2", "-Z9"}, table: pytestTable,
			shoal: []string{"-n", "2"}, py: []string{"--runslow", "-Z9"}, wantOpenFlag: true},
		{name: "without a table a cluster goes whole", args: []string{"-xn4", "--tb", "short"},
			py: []string{"-xn4", "--tb", "short"}, wantOpenFlag: true},
		{name: "all after -- is pytest's", args: []string{"-n", "2", "--", "-n", "3", "--timeout", "1"},
			shoal: []string{"-n", "2"}, py: []string{"-n", "3", "--timeout", "1"}},
		{name: "help", args: []string{"-h"}, shoal: []string{"-h"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestValues(t *testing.T) {
	type testCase struct {
		arity Arity
		rest  []string
		want  int
	}
	for _, tc := range []testCase{
		{Value, []string{"-x"}, 1}, {Value, nil, 0}, {Flag, []string{"a"}, 0}, {Unknown, []string{"a"}, 0},
		{Optional, []string{"a"}, 1}, {Optional, []string{"-a"}, 0}, {Optional, []string{"-"}, 1},
		{Many, []string{"a", "b", "--c", "d"}, 2},
	} {
		if got := values(tc.arity, tc.rest); got != tc.want {
			t.Errorf("values(%v, %q) = %d, want %d", tc.arity, tc.rest, got, tc.want)
		}
	}
}
