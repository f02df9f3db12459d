//go:build integration

package integration_test

import (
	"strings"
	"testing"
)

// Log records carry the worker's name: the logs suite formats them with
// %(worker)s; its tests check the attribute, and the failing test's
// captured log names its worker (master under -n 0).
func TestWorkerInLogs(t *testing.T) {
	requirePython(t)
	t.Parallel()
	for _, mode := range startModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sh := runShoal(t, copySuite(t, "logs"), shoalCall{mode: mode, flags: []string{"-v"}})
			if sh.code != 1 || sh.record == nil || sh.record.Summary["passed"] != 4 || sh.record.Summary["failed"] != 1 {
				t.Fatalf("want 4 passed and the one failure:\n%s", sh.output)
			}
			for _, rt := range sh.record.Tests {
				if rt.Outcome != "failed" {
					continue
				}
				want := "[" + rt.Worker + "] WARNING app.module: about to fail"
				if !strings.Contains(rt.section("Captured log call"), want) || !strings.Contains(sh.stdout, want) {
					t.Errorf("the captured log lacks %q:\n%s", want, sh.stdout)
				}
			}
			if !strings.Contains(sh.stdout, "[gw0] [") && !strings.Contains(sh.stdout, "[gw1] [") {
				t.Errorf("-v lines do not name their worker:\n%s", sh.stdout)
			}
		})
	}
	t.Run("-n 0", func(t *testing.T) {
		t.Parallel()
		out := execute(t, copySuite(t, "logs"), append(baseEnv(), "TMPDIR="+privateTmp(t)), commandTimeout, termGrace,
			shoalBin, "run", "-n", "0", "--python", python, "--", "-p", "no:cacheprovider")
		if out.code != 1 || !strings.Contains(out.stdout, "[master] WARNING app.module: about to fail") || !strings.Contains(out.stdout, "1 failed, 4 passed") {
			t.Errorf("-n 0:\n%s", out)
		}
	})
}
