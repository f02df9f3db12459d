package terminal

import (
	"path/filepath"
	"strings"

	"shoal/result"
)

// cwdRelative is nodeid as pytest's short summary shows it
// (config.cwd_relative_nodeid): its file relative to the directory pytest
// was started in, where that is not the rootdir.
func cwdRelative(run *result.Run, nodeid string) string {
	if run.InvocationDir == "" || run.Rootdir == "" || run.InvocationDir == run.Rootdir {
		return nodeid
	}
	file, rest, hasRest := strings.Cut(nodeid, "::")
	rel, err := filepath.Rel(run.InvocationDir, filepath.Join(run.Rootdir, file))
	if err != nil {
		return nodeid
	}
	if hasRest {
		return rel + "::" + rest
	}
	return rel
}
