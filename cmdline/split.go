package cmdline

import (
	"strings"

	"github.com/spf13/pflag"
)

// Split divides args between shoal's own flags (own) and pytest. Options
// and positional arguments go to pytest in the order given; everything
// after "--" goes to pytest as it is. Where a name is both shoal's and
// pytest's (-n, --timeout, --max-worker-restart), shoal's wins.
//
// table says how many values each pytest option takes, so that a value is
// never mistaken for an option of shoal's, and short options written
// together (-xsvn4) are pulled apart. With no table (nil), a short cluster
// whose first letter is not shoal's goes to pytest whole. open reports
// whether a pytest option was met before "--", which is when a table helps.
func Split(args []string, own *pflag.FlagSet, table Table) (shoal, pytest []string, open bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return shoal, append(pytest, args[i+1:]...), open
		case a == "-" || !strings.HasPrefix(a, "-"):
			pytest = append(pytest, a)
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a, "=")
			if f := own.Lookup(name[2:]); f != nil {
				shoal = append(shoal, a)
				if !hasValue && f.NoOptDefVal == "" && i+1 < len(args) {
					shoal, i = append(shoal, args[i+1]), i+1
				}
				continue
			}
			open = true
			pytest = append(pytest, a)
			if !hasValue {
				n := values(table[name], args[i+1:])
				pytest, i = append(pytest, args[i+1:i+1+n]...), i+n
			}
		default:
			var own2, py []string
			own2, py, i = splitShort(args, i, own, table)
			shoal, pytest = append(shoal, own2...), append(pytest, py...)
			open = open || len(py) > 0
		}
	}
	return shoal, pytest, open
}

// splitShort divides the short options written together in args[i]
// (-xvs, -n4, -kexpr) and returns the index of the last argument used.
func splitShort(args []string, i int, own *pflag.FlagSet, table Table) (shoal, pytest []string, last int) {
	a := args[i]
	cluster := "-"
	for j := 1; j < len(a); j++ {
		c := a[j : j+1]
		if f := own.ShorthandLookup(c); f != nil {
			shoal = append(shoal, "-"+c)
			if f.NoOptDefVal == "" {
				if j+1 < len(a) {
					shoal = append(shoal, a[j+1:])
				} else if i+1 < len(args) {
					shoal, i = append(shoal, args[i+1]), i+1
				}
				break
			}
			continue
		}
		arity := table["-"+c]
		if table == nil || arity == Unknown || arity != Flag {
			// The rest is this option's value, or cannot be told apart.
			cluster += a[j:]
			if j+1 == len(a) && arity != Unknown {
				n := values(arity, args[i+1:])
				pytest, i = append(pytest, args[i+1:i+1+n]...), i+n
				return shoal, append([]string{cluster}, pytest...), i
			}
			break
		}
		cluster += c
	}
	if cluster != "-" {
		pytest = append([]string{cluster}, pytest...)
	}
	return shoal, pytest, i
}

// values is how many of rest an option of this arity takes as its values.
func values(arity Arity, rest []string) int {
	isOption := func(s string) bool { return strings.HasPrefix(s, "-") && s != "-" }
	switch arity {
	case Value:
		return min(1, len(rest))
	case Optional:
		if len(rest) > 0 && !isOption(rest[0]) {
			return 1
		}
	case Many:
		n := 0
		for n < len(rest) && !isOption(rest[n]) {
			n++
		}
		return n
	}
	return 0
}
