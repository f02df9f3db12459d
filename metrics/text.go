package metrics

import (
	"fmt"
	"io"
	"strings"
)

// maxTextBottlenecks is how many bottlenecks the text lists; --json has all.
const maxTextBottlenecks = 8

// WriteText writes the summary for a terminal: a few lines, then the
// bottlenecks with their advice.
func WriteText(w io.Writer, s Summary) {
	fmt.Fprintf(w, "where the time went: %.2f s wall, %.2f s serial estimate, speedup %.2fx on %d worker%s\n",
		s.Wall, s.SerialEstimate, s.Speedup, len(s.Workers), plural(len(s.Workers)))
	fmt.Fprintf(w, "  start-up %.2f s before the first test; idle tail %.2f s\n", s.Startup, s.IdleTail)
	for _, wk := range s.Workers {
		fmt.Fprintf(w, "  %-5s busy %7.2f s  idle %7.2f s  utilisation %3.0f%%  %d test%s\n",
			wk.ID, wk.Busy, wk.Idle, 100*wk.Utilisation, wk.Tests, plural(wk.Tests))
	}
	if p := s.CriticalPath; p.Worker != "" {
		fmt.Fprintf(w, "  critical path: start-up, then %s until %.2f s", p.Worker, p.Seconds)
		if len(p.Tests) > 0 {
			fmt.Fprintf(w, "; its longest: %s", strings.Join(p.Tests[:min(3, len(p.Tests))], ", "))
		}
		fmt.Fprintln(w)
	}
	if len(s.Bottlenecks) == 0 {
		return
	}
	fmt.Fprintln(w, "bottlenecks, by the seconds they cost:")
	for _, b := range s.Bottlenecks[:min(maxTextBottlenecks, len(s.Bottlenecks))] {
		fmt.Fprintf(w, "  %7.2f s  %-9s %s\n", b.Seconds, b.Kind, b.Advice)
	}
	if more := len(s.Bottlenecks) - maxTextBottlenecks; more > 0 {
		fmt.Fprintf(w, "  … %d more (--json lists them all)\n", more)
	}
}
