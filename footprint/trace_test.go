package footprint

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReadTrace(t *testing.T) {
	type testCase struct {
		name  string
		files map[string]string
		want  []*Test
	}
	run := func(t *testing.T, tc testCase) {
		dir := t.TempDir()
		for name, text := range tc.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ReadTrace(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ReadTrace:\n got %+v\nwant %+v", got, tc.want)
		}
		// What ReadTrace gives survives the footprints file.
		path := filepath.Join(dir, "out", "footprints.json")
		if err := Write(path, got); err != nil {
			t.Fatal(err)
		}
		back, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(back) != len(got) || (len(got) > 0 && !reflect.DeepEqual(back, got)) {
			t.Errorf("Read(Write(x)) = %+v, want %+v", back, got)
		}
	}
	cases := []testCase{
		{name: "nothing traced", files: map[string]string{}, want: []*Test{}},
		{
			name: "workers' files merged by node id, SQL read as tables",
			files: map[string]string{
				"gw1-20.jsonl": `{"nodeid": "b.py::t", "worker": "gw1", "start": 2, "ports": [{"op": "bind", "proto": "tcp", "port": 8080, "host": "", "at": "b.py:3"}]}` + "\n",
				"gw0-10.jsonl": `{"nodeid": "a.py::t", "worker": "gw0", "start": 1, "sql": [{"database": "h:1/app", "statements": ["INSERT INTO users VALUES (1)"], "at": "a.py:9"}], "private": {"tmp_path": 2}}` + "\n",
			},
			want: []*Test{
				{NodeID: "a.py::t", Worker: "gw0", Start: 1, Tables: []Table{{Database: "h:1/app", Table: "users", Access: "write", At: "a.py:9"}}, Private: map[string]int{"tmp_path": 2}},
				{NodeID: "b.py::t", Worker: "gw1", Start: 2, Ports: []Port{{Op: "bind", Proto: "tcp", Port: 8080, At: "b.py:3"}}},
			},
		},
		{
			name: "a test run again after a crash keeps its last trace; a cut line is skipped",
			files: map[string]string{
				"gw0-10.jsonl": `{"nodeid": "a.py::t", "worker": "gw0", "start": 1}` + "\n" + `{"nodeid": "a.py::u", "wor`,
				"gw0-11.jsonl": `{"nodeid": "a.py::t", "worker": "gw0", "start": 5, "env": [{"name": "X", "restored": false, "at": ""}]}` + "\n",
			},
			want: []*Test{{NodeID: "a.py::t", Worker: "gw0", Start: 5, Env: []Env{{Name: "X"}}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}
