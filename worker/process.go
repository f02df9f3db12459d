package worker

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"shoal/protocol"
)

// killGroup ends a process group; a group that is already gone is no error.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// processAlive tells whether a process runs: it exists and, where /proc
// says, is not a zombie waiting to be reaped.
func processAlive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	fields := procStat(pid)
	return len(fields) == 0 || fields[0] != "Z"
}

// procStat is /proc/PID/stat after the command name: state, ppid, pgrp, …;
// nil where it cannot be read.
func procStat(pid int) []string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	// pid (comm) state ppid pgrp ...: comm may hold anything but ')'.
	s := string(stat)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

// exitsSoon tells whether a process whose connection closed is gone, or
// goes within a moment: the connection closes as a dying process's files
// do, a little before it becomes a zombie.
func exitsSoon(pid int) bool {
	for deadline := time.Now().Add(250 * time.Millisecond); processAlive(pid); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// killGroupMembers ends every process of group pgid but its leader.
func killGroupMembers(pgid int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pgid {
			continue
		}
		if fields := procStat(pid); len(fields) > 2 && fields[2] == strconv.Itoa(pgid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// describeExit turns a process's end into words: "exit code 3", "signal 11 (segmentation fault)".
func describeExit(err error, state *os.ProcessState) string {
	if state == nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			state = exitErr.ProcessState
		}
	}
	if state == nil {
		if err != nil {
			return err.Error()
		}
		return "unknown status"
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return describeSignal(int(ws.Signal()))
	}
	return fmt.Sprintf("exit code %d", state.ExitCode())
}

func describeSignal(sig int) string {
	return fmt.Sprintf("signal %d (%s)", sig, syscall.Signal(sig).String())
}

// StatusText says in words how a forked worker ended, as its zygote saw it.
func StatusText(s *protocol.ExitStatus) string {
	switch {
	case s == nil:
		return "unknown status"
	case s.Signal != nil:
		return describeSignal(*s.Signal)
	case s.Code != nil:
		return fmt.Sprintf("exit code %d", *s.Code)
	}
	return "unknown status"
}
