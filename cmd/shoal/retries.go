package main

import (
	"fmt"
	"strconv"
	"strings"

	"shoal/config"
)

// resolveRetries is --retries, else [tool.shoal] retries. With
// pytest-rerunfailures' --reruns as well, a failed test would run again
// inside its worker and again as shoal's retry: shoal refuses the pair.
func resolveRetries(flag string, cfg *config.Config, args []string) (int, error) {
	n := cfg.Retries
	if flag != "" {
		v, err := strconv.Atoi(flag)
		if err != nil || v < 0 || v > 100 {
			return 0, usageError(fmt.Sprintf("invalid --retries %q", flag), "give a whole number from 0 to 100")
		}
		n = v
	}
	if n > 0 && hasReruns(args) {
		return 0, usageError("--retries and pytest-rerunfailures' --reruns both rerun failed tests",
			"use one: shoal's --retries (retries on any free worker, flaky tests in JUnit) or --reruns")
	}
	return n, nil
}

// hasReruns tells whether pytest's arguments ask pytest-rerunfailures to
// rerun failures.
func hasReruns(args []string) bool {
	for _, a := range args {
		if a == "--reruns" || strings.HasPrefix(a, "--reruns=") {
			return true
		}
	}
	return false
}
