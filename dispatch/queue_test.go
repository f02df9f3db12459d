package dispatch

import (
	"reflect"
	"testing"
)

func files(names ...string) func(int) string {
	return func(i int) string { return names[i] }
}

func TestTake(t *testing.T) {
	type take struct {
		w, n int
		want []int
	}
	type testCase struct {
		name  string
		files []string
		takes []take
	}
	run := func(t *testing.T, tc testCase) {
		q := New(len(tc.files), files(tc.files...))
		for i, tk := range tc.takes {
			got := q.Take(tk.w, tk.n)
			if !reflect.DeepEqual(got, tk.want) {
				t.Fatalf("take %d (worker %d, %d): got %v, want %v", i, tk.w, tk.n, got, tk.want)
			}
		}
	}
	cases := []testCase{
		{
			name:  "workers keep to their file",
			files: []string{"a", "a", "a", "b", "b", "b"},
			takes: []take{{0, 2, []int{0, 1}}, {1, 2, []int{3, 4}}, {0, 2, []int{2}}, {1, 2, []int{5}}},
		},
		{
			name:  "a worker moves on when its file ends",
			files: []string{"a", "b", "b", "c"},
			takes: []take{{0, 3, []int{0, 1, 2}}, {1, 3, []int{3}}, {0, 1, nil}},
		},
		{
			name:  "an idle worker takes the back half of the largest file",
			files: []string{"a", "a", "a", "a", "a", "a", "b"},
			takes: []take{{0, 2, []int{0, 1}}, {1, 1, []int{6}}, {1, 5, []int{4, 5}}, {0, 5, []int{2, 3}}},
		},
		{
			name:  "a single remaining item still goes out",
			files: []string{"a", "a"},
			takes: []take{{0, 1, []int{0}}, {1, 1, []int{1}}, {0, 1, nil}},
		},
		{
			name:  "empty queue",
			files: nil,
			takes: []take{{0, 4, nil}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestEveryItemOnce(t *testing.T) {
	names := []string{}
	for i := 0; i < 97; i++ {
		names = append(names, string(rune('a'+i%7)))
	}
	q := New(len(names), files(names...))
	seen := map[int]bool{}
	for w := 0; q.Left() > 0; w = (w + 1) % 3 {
		for _, i := range q.Take(w, 1+w*2) {
			if seen[i] {
				t.Fatalf("item %d handed out twice", i)
			}
			seen[i] = true
		}
	}
	if len(seen) != len(names) {
		t.Fatalf("handed out %d of %d", len(seen), len(names))
	}
}

func TestRequeue(t *testing.T) {
	q := New(3, files("a", "a", "a"))
	got := q.Take(0, 3)
	if len(got) != 3 || q.Left() != 0 {
		t.Fatalf("take: %v left %d", got, q.Left())
	}
	q.Drop(0)
	q.Requeue([]int{1, 2})
	if q.Left() != 2 {
		t.Fatalf("left after requeue: %d", q.Left())
	}
	if got := q.Take(1, 5); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Fatalf("requeued items: %v", got)
	}
}
