package main

import "testing"

func TestInfoOnly(t *testing.T) {
	cases := []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-x", "tests/"}, false},
		{[]string{"--help"}, true},
		{[]string{"-q", "--collect-only", "tests/"}, true},
		{[]string{"--co"}, true},
		{[]string{"--fixtures"}, true},
		{[]string{"-V"}, true},
		// After pytest's own "--", every argument is a path.
		{[]string{"--", "--help"}, false},
	}
	for _, c := range cases {
		if got := infoOnly(c.args); got != c.want {
			t.Errorf("infoOnly(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}
