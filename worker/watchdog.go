package worker

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
)

// The run's pytest processes die with shoal however shoal ends: the kernel
// sends each of them SIGKILL when its parent dies (PR_SET_PDEATHSIG; a
// forked worker's parent is the session, which does the same for it). What
// their tests started lives on in their process groups; a watchdog ends
// those. It is shoal's own binary run with WatchdogArg, in a process group
// of its own and deaf to the signals that end shoal: it learns each group
// on its standard input and, when that input ends without the word that
// shoal ended the groups itself (kill -9 of shoal, a crash), kills them all.

// WatchdogArg, as the only argument, makes shoal's binary a watchdog
// (RunWatchdog).
const WatchdogArg = "__shoal-watchdog"

// Watchdog is shoal's end of a running watchdog. Its methods do nothing on
// a nil Watchdog, as where none could start: the processes still die with
// shoal, only their children may not.
type Watchdog struct {
	cmd *exec.Cmd
	in  io.WriteCloser
}

// StartWatchdog runs program (shoal's binary) as the run's watchdog.
func StartWatchdog(program string) (*Watchdog, error) {
	cmd := exec.Command(program, WatchdogArg)
	cmd.Dir = "/" // no hold on any directory of the run
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("cannot start the watchdog: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the watchdog: %w", err)
	}
	return &Watchdog{cmd: cmd, in: in}, nil
}

// Watch adds process group pgid to those the watchdog ends.
func (w *Watchdog) Watch(pgid int) {
	if w != nil {
		_, _ = fmt.Fprintf(w.in, "%d\n", pgid)
	}
}

// Close tells the watchdog that shoal has ended the groups itself, and
// waits for it to exit.
func (w *Watchdog) Close() {
	if w == nil {
		return
	}
	_, _ = io.WriteString(w.in, "end\n")
	_ = w.in.Close()
	_ = w.cmd.Wait()
}

// RunWatchdog is the watchdog process: it guards the groups named on its
// standard input.
func RunWatchdog() {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE, syscall.SIGQUIT)
	Guard(os.Stdin, killGroup)
}

// Guard reads process groups from r, one number a line, until the line
// "end" (shoal ended them itself) or the end of r (shoal is gone), and
// then kills every group it read.
func Guard(r io.Reader, kill func(pgid int)) {
	var groups []int
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sc.Text() == "end" {
			return
		}
		if pgid, err := strconv.Atoi(sc.Text()); err == nil && pgid > 1 {
			groups = append(groups, pgid)
		}
	}
	for _, pgid := range groups {
		kill(pgid)
	}
}
