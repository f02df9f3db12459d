package result

import (
	"reflect"
	"testing"
)

func TestApplyBarriers(t *testing.T) {
	type testCase struct {
		name   string
		events []Event
		want   []Span
	}
	cases := []testCase{
		{"none", []Event{Finished{At: 9}}, nil},
		{"two", []Event{Barrier{At: 1, Open: true}, Barrier{At: 2}, Barrier{At: 3, Open: true}, Barrier{At: 4}, Finished{At: 9}},
			[]Span{{1, 2}, {3, 4}}},
		{"open at the end", []Event{Barrier{At: 1, Open: true}, Finished{At: 9}}, []Span{{1, 9}}},
		{"repeated words", []Event{Barrier{At: 1, Open: true}, Barrier{At: 1.5, Open: true}, Barrier{At: 2}, Barrier{At: 2.5}},
			[]Span{{1, 2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var run Run
			for _, e := range append([]Event{Collected{At: 0.5}}, tc.events...) {
				run.Apply(e)
			}
			if !reflect.DeepEqual(run.Barriers, tc.want) || run.Collected != 0.5 {
				t.Fatalf("barriers %v, collected %v; want %v, 0.5", run.Barriers, run.Collected, tc.want)
			}
		})
	}
}
