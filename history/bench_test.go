package history

import (
	"fmt"
	"testing"
)

// largeSuite is n tests spread over files of 100 tests, in classes of 10,
// each parametrized twice.
func largeSuite(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("tests/test_%04d.py::TestC%d::test_f%d[%d]", i/100, i/10%10, i/2%5, i%2)
	}
	return ids
}

func largeRun(n, minute int, ids []string) Run {
	tests := make([]TestRun, 0, n)
	for i, id := range ids[:n] {
		tests = append(tests, TestRun{NodeID: id, Setup: 0.001, Call: float64(i%97) / 100, CPU: 0.01,
			Outcome: "passed", Worker: fmt.Sprintf("gw%d", i%8), Cold: i%100 == 0})
	}
	return runAt(minute, tests...)
}

// BenchmarkEstimates estimates a 100,000-test suite of which 90% was
// measured, the rest borrowing from siblings.
func BenchmarkEstimates(b *testing.B) {
	const n = 100_000
	ids := largeSuite(n)
	s := openTempB(b)
	if err := s.Record(largeRun(n*9/10, 0, ids)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if got := s.Estimates(ids); len(got) != n {
			b.Fatalf("%d estimates", len(got))
		}
	}
}

// BenchmarkRecord records a 100,000-test run into a store that already
// holds KeepRuns of them, as the end of every run of a large suite does.
func BenchmarkRecord(b *testing.B) {
	const n = 100_000
	ids := largeSuite(n)
	s := openTempB(b)
	for i := range KeepRuns {
		if err := s.Record(largeRun(n, i, ids)); err != nil {
			b.Fatal(err)
		}
	}
	runs := make([]Run, b.N)
	for i := range runs {
		runs[i] = largeRun(n, KeepRuns+i, ids)
	}
	b.ResetTimer()
	for _, r := range runs {
		if err := s.Record(r); err != nil {
			b.Fatal(err)
		}
	}
}

func openTempB(b *testing.B) *Store {
	b.Helper()
	s, _, err := Open(b.TempDir() + "/history.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
