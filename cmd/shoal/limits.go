package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"shoal/config"
)

// limits bound a run: how long tests and the run may take, how many crashed
// workers are replaced, how long an interrupt waits for running tests.
type limits struct {
	test       time.Duration // 0: no limit
	session    time.Duration // 0: no limit
	maxRestart int           // negative: the runner's default
	grace      time.Duration
	slow       time.Duration // 0: no SLOW lines
}

// resolveLimits reads the limits from the flags, falling back to
// [tool.shoal] where a flag is not given.
func resolveLimits(f runFlags, cfg *config.Config) (limits, error) {
	l := limits{
		test:       seconds(cfg.Timeout),
		session:    seconds(cfg.SessionTimeout),
		maxRestart: -1,
	}
	var err error
	if f.timeout != "" {
		if l.test, err = parseDuration("--timeout", f.timeout); err != nil {
			return l, err
		}
	}
	if f.sessionTimeout != "" {
		if l.session, err = parseDuration("--session-timeout", f.sessionTimeout); err != nil {
			return l, err
		}
	}
	if l.grace, err = parseDuration("--interrupt-grace", f.interruptGrace); err != nil {
		return l, err
	}
	if f.slowTimeout != "" {
		if l.slow, err = parseDuration("--slow-timeout", f.slowTimeout); err != nil {
			return l, err
		}
	}
	if l.grace == 0 {
		l.grace = time.Nanosecond // the runner reads 0 as its default
	}
	if f.maxWorkerRestart != "" {
		n, err := strconv.Atoi(f.maxWorkerRestart)
		if err != nil || n < 0 {
			return l, usageError(fmt.Sprintf("invalid --max-worker-restart %q", f.maxWorkerRestart),
				"give a whole number ≥ 0; 0 stops the run at the first crashed worker")
		}
		l.maxRestart = n
	}
	return l, nil
}

// formatDuration writes a duration as a user would: "2s", "30m", "1h30m".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// parseDuration reads seconds ("30", "2.5") or a Go duration ("90s", "5m");
// 0 means no limit.
func parseDuration(flag, v string) (time.Duration, error) {
	bad := func() error {
		return usageError(fmt.Sprintf("invalid %s %q", flag, v),
			fmt.Sprintf("give seconds (%s 30, %s 2.5) or a duration (%s 90s, %s 5m); 0 means no limit", flag, flag, flag, flag))
	}
	v = strings.TrimSpace(v)
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) || s > math.MaxInt64/float64(time.Second) {
			return 0, bad()
		}
		return seconds(s), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, bad()
	}
	return d, nil
}
