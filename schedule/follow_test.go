package schedule_test

import (
	"math/rand"
	"testing"

	"shoal/schedule"
)

// filesWithExclusive makes files of 12 ordinary tests of 10 ms and two
// exclusive ones of 50 ms, each file with 100 ms of set-up.
func filesWithExclusive(files int) ([]schedule.Test, []float64) {
	var tests []schedule.Test
	var setup []float64
	for g := 0; g < files; g++ {
		tests = append(tests, many(12, g, 0.01, nil)...)
		tests = append(tests, many(2, g, 0.05, exclusive)...)
		setup = append(setup, 0.1)
	}
	return tests, setup
}

// TestPlannedBarriersSetEachFileUpOnce: with every duration measured and
// more files than workers can serve at one barrier, the barriers are planned
// ahead, and every file is set up once, for its ordinary and its exclusive
// tests alike.
// (With fewer workers, barriers placed as the run goes do as well here, and
// a tie keeps them.)
func TestPlannedBarriersSetEachFileUpOnce(t *testing.T) {
	for _, n := range []int{7, 8} {
		tests, setup := filesWithExclusive(12)
		cfg := schedule.Config{Workers: n, Setup: setup}
		s, err := schedule.New(tests, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if s.PlannedBarriers() == 0 {
			t.Errorf("%d workers: no barriers planned ahead", n)
			continue
		}
		res := replay(t, tests, cfg, nil)
		lb := schedule.LowerBound(tests, cfg).Seconds
		t.Logf("%d workers: %d barriers, makespan %.3f s, bound %.3f s (%.3f), %d set-ups",
			n, s.PlannedBarriers(), res.Makespan, lb, res.Makespan/lb, res.Setups)
		if res.Setups != 12 {
			t.Errorf("%d workers: %d set-ups for 12 files", n, res.Setups)
		}
		if res.Makespan > 1.1*lb {
			t.Errorf("%d workers: makespan %.3f s over 1.1 × the bound %.3f s", n, res.Makespan, lb)
		}
	}
}

// TestPlannedBarriersSurviveWrongEstimates: tests that take a third or
// three times what history says still keep every constraint, and all of
// them run.
func TestPlannedBarriersSurviveWrongEstimates(t *testing.T) {
	tests, setup := filesWithExclusive(12)
	cfg := schedule.Config{Workers: 8, Setup: setup}
	if s, _ := schedule.New(tests, cfg); s.PlannedBarriers() == 0 {
		t.Fatal("no barriers planned ahead")
	}
	actual := make([]float64, len(tests))
	for i, tc := range tests {
		actual[i] = tc.Seconds * []float64{3, 1.0 / 3, 1, 2}[i%4]
	}
	res := replay(t, tests, cfg, actual)
	real := append([]schedule.Test(nil), tests...)
	for i := range real {
		real[i].Seconds = actual[i]
	}
	if lb := schedule.LowerBound(real, cfg).Seconds; res.Makespan > 1.5*lb {
		t.Errorf("makespan %.3f s over 1.5 × the bound %.3f s", res.Makespan, lb)
	}
}

// TestPlannedBarriersBesideOneLongTest: a suite whose longest test dwarfs
// the rest stays near its bound, whichever way the replays choose to place
// barriers.
func TestPlannedBarriersBesideOneLongTest(t *testing.T) {
	tests, setup := filesWithExclusive(4)
	tests = append(tests, many(1, 4, 5, nil)...)
	setup = append(setup, 0)
	cfg := schedule.Config{Workers: 4, Setup: setup}
	s, err := schedule.New(tests, cfg)
	if err != nil {
		t.Fatal(err)
	}
	res := replay(t, tests, cfg, nil)
	lb := schedule.LowerBound(tests, cfg).Seconds
	t.Logf("%d barriers planned, makespan %.3f s, bound %.3f s", s.PlannedBarriers(), res.Makespan, lb)
	if res.Makespan > 1.1*lb {
		t.Errorf("makespan %.3f s over 1.1 × the bound %.3f s", res.Makespan, lb)
	}
}

// drive runs the scheduler to the end without a clock: every runnable test
// ends at once. crash, when it says so, ends a worker's first test as a
// crash instead. It returns how many times each test ended.
func drive(t *testing.T, s *schedule.Scheduler, workers, tests int, crash func(w, i int) bool) []int {
	t.Helper()
	ended := make([]int, tests)
	queues := make([][]int, workers)
	final := make([]bool, workers)
	now := 0.0
	for step := 0; step < 100*tests; step++ {
		for w := range queues {
			if !final[w] {
				got, f := s.Next(w, now)
				queues[w] = append(queues[w], got...)
				final[w] = f
			}
		}
		moved := false
		for w, q := range queues {
			if len(q) == 0 || len(q) == 1 && !final[w] {
				continue
			}
			i := q[0]
			now += 0.01
			ended[i]++
			moved = true
			if crash != nil && crash(w, i) {
				s.Crashed(w)
				queues[w], final[w] = nil, false
				continue
			}
			queues[w] = q[1:]
			s.Done(w, i, 0.01, now)
		}
		if !moved {
			return ended
		}
	}
	t.Fatal("the run did not end")
	return nil
}

// TestPlannedBarriersCrashedWorkerGoesOn: a worker that crashes under the
// plan gets what it held back (after a restart, under the same index), and
// every test still runs once.
func TestPlannedBarriersCrashedWorkerGoesOn(t *testing.T) {
	tests, setup := filesWithExclusive(12)
	s, err := schedule.New(tests, schedule.Config{Workers: 8, Setup: setup})
	if err != nil {
		t.Fatal(err)
	}
	if s.PlannedBarriers() == 0 {
		t.Fatal("no barriers planned ahead")
	}
	crashes := 0
	ended := drive(t, s, 8, len(tests), func(w, i int) bool {
		if w == 1 && crashes < 3 && i%5 == 0 {
			crashes++
			return true
		}
		return false
	})
	if crashes == 0 {
		t.Fatal("no crash happened")
	}
	for i, n := range ended {
		if n != 1 {
			t.Errorf("test %d ended %d times", i, n)
		}
	}
	if s.Left() != 0 {
		t.Errorf("%d tests were never handed out", s.Left())
	}
}

// TestRandomSuitesWithExclusiveTests: files of random sizes and set-ups,
// each with one to three exclusive tests, on 2 to 6 workers. Whichever way
// New places the barriers, every constraint holds, every test runs once,
// and the makespan stays within 1.5 × the bound. (One such suite once made
// the as-they-come scheduler index an empty queue.)
func TestRandomSuitesWithExclusiveTests(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		for n := 2; n <= 6; n++ {
			rng := rand.New(rand.NewSource(seed))
			var tests []schedule.Test
			var setup []float64
			for g := 0; g < 10; g++ {
				tests = append(tests, many(3+rng.Intn(10), g, 0.005+rng.Float64()*0.04, nil)...)
				tests = append(tests, many(1+rng.Intn(3), g, 0.03, exclusive)...)
				setup = append(setup, 0.1+rng.Float64()*0.1)
			}
			cfg := schedule.Config{Workers: n, Setup: setup}
			res := replay(t, tests, cfg, nil)
			if lb := schedule.LowerBound(tests, cfg).Seconds; res.Makespan > 1.5*lb {
				t.Errorf("seed %d, %d workers: makespan %.3f s over 1.5 × the bound %.3f s", seed, n, res.Makespan, lb)
			}
		}
	}
}

// TestPlannedBarriersRunFilesWithOnlyExclusiveTests: files that have
// nothing but exclusive tests are set up in the last barrier, right after
// the tests of the file their worker serves there, and nothing overlaps
// them. That worker sets its own file up again after them: one set-up more
// than files.
func TestPlannedBarriersRunFilesWithOnlyExclusiveTests(t *testing.T) {
	tests, setup := filesWithExclusive(14)
	for g := 14; g < 16; g++ {
		tests = append(tests, many(3, g, 0.05, exclusive)...)
		setup = append(setup, 0.1)
	}
	cfg := schedule.Config{Workers: 8, Setup: setup}
	s, err := schedule.New(tests, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.PlannedBarriers() == 0 {
		t.Fatal("no barriers planned ahead")
	}
	res := replay(t, tests, cfg, nil)
	if res.Setups != 17 {
		t.Errorf("%d set-ups for 16 files, want 17", res.Setups)
	}
}
