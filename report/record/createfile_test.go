package record

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "a-file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	hello := func(w *bufio.Writer) error { _, err := w.WriteString("hello\n"); return err }
	cases := []struct {
		name, path string
		write      func(*bufio.Writer) error
		wantErr    string // "" for none
	}{
		{"into a folder it makes", filepath.Join(dir, "new", "deeper", "out.txt"), hello, ""},
		{"the folder is a file", filepath.Join(blocker, "out.txt"), hello, "cannot write the thing " + filepath.Join(blocker, "out.txt") + ": "},
		{"the writer fails", filepath.Join(dir, "w.txt"), func(*bufio.Writer) error { return errors.New("no more") },
			"cannot write the thing " + filepath.Join(dir, "w.txt") + ": no more"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CreateFile(tc.path, "the thing", tc.write)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if data, _ := os.ReadFile(tc.path); string(data) != "hello\n" {
					t.Fatalf("file holds %q, want %q", data, "hello\n")
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one starting %q", err, tc.wantErr)
			}
		})
	}
}
