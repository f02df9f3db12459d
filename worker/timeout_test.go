package worker

import (
	"testing"
	"time"
)

func TestTimeoutSteps(t *testing.T) {
	// Each look: how long after the time was up, and the stacks file's size then.
	type look struct {
		after time.Duration
		size  int64
		want  Step
	}
	type testCase struct {
		name  string
		looks []look
	}
	run := func(t *testing.T, tc testCase) {
		tm := NewTimeout(7, 2, 10, 100)
		if tm.Deadline != 102 || tm.Asked() {
			t.Fatalf("new clock: deadline %v, asked %v", tm.Deadline, tm.Asked())
		}
		up := time.Unix(102, 0)
		for k, l := range tc.looks {
			if got := tm.Expired(up.Add(l.after), l.size); got != l.want {
				t.Fatalf("look %d (%v after, %d bytes): step %d, want %d", k, l.after, l.size, got, l.want)
			}
		}
		if !tm.Asked() || !tm.Killed {
			t.Errorf("after the last look: asked %v, killed %v", tm.Asked(), tm.Killed)
		}
	}
	testCases := []testCase{
		{"stacks written at once", []look{
			{0, 0, AskStacks}, {100 * time.Millisecond, 500, Wait}, {200 * time.Millisecond, 500, End},
		}},
		{"stacks still growing", []look{
			{0, 0, AskStacks}, {100 * time.Millisecond, 100, Wait}, {200 * time.Millisecond, 300, Wait},
			{300 * time.Millisecond, 300, End},
		}},
		{"no stacks: ended after StacksWait", []look{
			{0, 0, AskStacks}, {time.Second, 0, Wait}, {StacksWait, 0, End},
		}},
		{"growing forever: ended after StacksWait", []look{
			{0, 0, AskStacks}, {time.Second, 10, Wait}, {StacksWait + time.Millisecond, 20, End},
		}},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestTimeoutDeadlineCapped(t *testing.T) {
	// A marker may say an hour or forever; the clock must still be a time.
	if got := NewTimeout(0, 1e300, 10, 5).Deadline; got != 5+1e9 {
		t.Errorf("deadline %v, want %v", got, 5+1e9)
	}
}
