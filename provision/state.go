package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"shoal/database"
	"shoal/service"
)

// A run writes down what it creates, before it creates it, in a state file
// under shoal's cache directory, and holds a lock on that file while it
// lives. The kernel drops the lock when the process ends however it ends,
// so a file nobody holds belongs to a dead run, whose leftovers a later run
// removes.

// record is a state file's content.
type record struct {
	PID int    `json:"pid"`
	Dir string `json:"dir,omitempty"` // the run directory
	// Postgres is the template's URL, password included, to drop the
	// databases with; the file is readable by its owner only.
	Postgres  string   `json:"postgres,omitempty"`
	Databases []string `json:"databases,omitempty"`
	Services  []proc   `json:"services,omitempty"`
}

// proc is a service instance's process, which leads its own group.
type proc struct {
	PID   int    `json:"pid"`
	Start string `json:"start"` // see service.ProcStart
}

func (r *record) empty() bool {
	return r.Dir == "" && len(r.Databases) == 0 && len(r.Services) == 0
}

// state is this run's state file, locked.
type state struct {
	f    *os.File
	path string
	rec  record
}

// runsDir holds the state files.
func runsDir(stateDir string) string { return filepath.Join(stateDir, "runs") }

// createState makes and locks run id's state file. It is written and locked
// under a temporary name and then renamed, so that no sweep ever sees it
// unlocked.
func createState(stateDir, id string) (*state, error) {
	dir := runsDir(stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	tmp := filepath.Join(dir, ".new-"+id)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create the run's state file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("cannot lock the run's state file: %w", err)
	}
	s := &state{f: f, path: filepath.Join(dir, id+".json"), rec: record{PID: os.Getpid()}}
	if err := s.save(); err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("cannot write the run's state file: %w", err)
	}
	return s, nil
}

// save writes the record in place: the lock belongs to this file, so it is
// never replaced.
func (s *state) save() error {
	data, err := json.Marshal(s.rec)
	if err != nil {
		return err
	}
	if err := s.f.Truncate(0); err != nil {
		return err
	}
	_, err = s.f.WriteAt(data, 0)
	return err
}

// remove deletes the state file: nothing is left to clean.
func (s *state) remove() {
	os.Remove(s.path)
	s.f.Close()
}

// release keeps the file for a later run and lets the lock go.
func (s *state) release() { s.f.Close() }

// sweep removes what dead runs left behind, and tells notes about it. A
// leftover it cannot remove stays recorded for the next run to try.
func sweep(ctx context.Context, stateDir string, notes io.Writer) {
	paths, _ := filepath.Glob(filepath.Join(runsDir(stateDir), "*.json"))
	for _, path := range paths {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // its run is alive
			continue
		}
		s := &state{f: f, path: path}
		data, err := io.ReadAll(f)
		if err != nil || json.Unmarshal(data, &s.rec) != nil {
			s.remove() // unreadable: nothing can be done with it
			continue
		}
		done, left := cleanUp(ctx, &s.rec)
		if len(done) > 0 {
			fmt.Fprintf(notes, "shoal: removed what an earlier run (pid %d) left: %s\n", s.rec.PID, strings.Join(done, ", "))
		}
		if left != nil {
			fmt.Fprintf(notes, "shoal: could not remove all an earlier run (pid %d) left, will try again next run: %v\n", s.rec.PID, left)
		}
		if s.rec.empty() {
			s.remove()
			continue
		}
		_ = s.save()
		s.release()
	}
}

// cleanUp removes what rec holds, leaving in rec what it could not remove.
// It says what it removed, in words.
func cleanUp(ctx context.Context, rec *record) (done []string, left error) {
	killed := 0
	for _, p := range rec.Services {
		// Most are gone already: the kernel sends them SIGTERM when shoal dies.
		if service.GroupAlive(p.PID) {
			service.KillGroup(p.PID, p.Start)
			killed++
		}
	}
	rec.Services = nil
	if killed > 0 {
		done = append(done, count(killed, "service", "services"))
	}
	if len(rec.Databases) > 0 {
		dropped, err := dropAll(ctx, rec.Postgres, rec.Databases)
		if dropped > 0 {
			done = append(done, count(dropped, "database", "databases"))
		}
		rec.Databases = rec.Databases[dropped:]
		left = errors.Join(left, err)
	}
	if rec.Dir != "" {
		if err := removeDir(rec.Dir); err != nil {
			left = errors.Join(left, err)
		} else {
			rec.Dir = ""
			done = append(done, "its temporary directory")
		}
	}
	return done, left
}

// dropAll drops databases in order; it returns how many it dropped before
// it could not go on.
func dropAll(ctx context.Context, url string, names []string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	pg, err := database.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer pg.Close()
	for i, name := range names {
		if err := pg.Drop(ctx, name); err != nil {
			return i, err
		}
	}
	return len(names), nil
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// removeDir removes a run directory, also where tests left parts of it
// read-only. Only shoal's run directories are removed.
func removeDir(dir string) error {
	if !strings.HasPrefix(filepath.Base(dir), dirPrefix) {
		return fmt.Errorf("not a shoal run directory, left alone: %s", dir)
	}
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o700)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("cannot remove %s: %w", dir, err)
	}
	return nil
}
