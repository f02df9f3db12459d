package schedule_test

import (
	"testing"

	"shoal/schedule"
)

// TestHangingTestHoldsBackOnlyItsWindow: one test of an unmeasured file
// hangs; the other worker takes the rest of the file bit by bit, as the run
// learns what its tests cost, and only what the hanging worker already held
// waits for it.
func TestHangingTestHoldsBackOnlyItsWindow(t *testing.T) {
	tests := many(31, 0, 0, func(x *schedule.Test) { x.Known = false })
	actual := make([]float64, len(tests))
	for i := range actual {
		actual[i] = 0.2
	}
	actual[0] = 120
	res := replay(t, tests, schedule.Config{Workers: 2}, actual)
	late := 0
	for _, sp := range res.Spans {
		if sp.Test != 0 && sp.Stop > 100 {
			late++
		}
	}
	if late > 2 {
		t.Errorf("%d tests waited for the hanging one; want at most the 2 its worker held", late)
	}
}
