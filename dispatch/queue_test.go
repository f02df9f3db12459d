package dispatch

import (
	"reflect"
	"testing"
)

// suite builds fileOf from one file index per test, and ownerOf from owners.
func suite(files []int, owners map[int]int) (int, func(int) int, func(int) int) {
	return len(files), func(i int) int { return files[i] }, func(f int) int {
		if o, ok := owners[f]; ok {
			return o
		}
		return -1
	}
}

func TestTake(t *testing.T) {
	type take struct {
		w, n int
		want []int
	}
	type testCase struct {
		name   string
		files  []int
		owners map[int]int
		takes  []take
	}
	run := func(t *testing.T, tc testCase) {
		q := New(suite(tc.files, tc.owners))
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
			files: []int{0, 0, 0, 1, 1, 1},
			takes: []take{{0, 2, []int{0, 1}}, {1, 2, []int{3, 4}}, {0, 2, []int{2}}, {1, 2, []int{5}}},
		},
		{
			name:  "a worker moves on to the next untouched file",
			files: []int{0, 1, 1, 2},
			takes: []take{{0, 3, []int{0, 1, 2}}, {1, 3, []int{3}}, {0, 1, nil}},
		},
		{
			name:  "an idle worker takes the back half of the largest file",
			files: []int{0, 0, 0, 0, 0, 0, 1},
			takes: []take{{0, 2, []int{0, 1}}, {1, 1, []int{6}}, {1, 5, []int{4, 5}}, {0, 5, []int{2, 3}}},
		},
		{
			name:  "a single remaining test still goes out",
			files: []int{0, 0},
			takes: []take{{0, 1, []int{0}}, {1, 1, []int{1}}, {0, 1, nil}},
		},
		{
			name:   "workers run the files they collected first",
			files:  []int{0, 0, 1, 1, 2, 2},
			owners: map[int]int{0: 1, 1: 0, 2: 1},
			takes:  []take{{0, 4, []int{2, 3}}, {1, 2, []int{0, 1}}, {1, 2, []int{4, 5}}},
		},
		{
			name:   "an idle worker takes the busiest worker's last untouched file",
			files:  []int{0, 1, 2, 3},
			owners: map[int]int{0: 0, 1: 0, 2: 0, 3: 1},
			takes:  []take{{1, 1, []int{3}}, {0, 1, []int{0}}, {1, 1, []int{2}}, {0, 2, []int{1}}},
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

func TestEveryTestOnce(t *testing.T) {
	var files []int
	for i := 0; i < 97; i++ {
		files = append(files, i%7)
	}
	q := New(suite(files, map[int]int{0: 0, 3: 1, 5: 2}))
	seen := map[int]bool{}
	for w := 0; q.Left() > 0; w = (w + 1) % 3 {
		for _, i := range q.Take(w, 1+w*2) {
			if seen[i] {
				t.Fatalf("test %d handed out twice", i)
			}
			seen[i] = true
		}
	}
	if len(seen) != len(files) {
		t.Fatalf("handed out %d of %d", len(seen), len(files))
	}
}

func TestRequeue(t *testing.T) {
	q := New(suite([]int{0, 0, 0}, nil))
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
		t.Fatalf("requeued tests: %v", got)
	}
}
