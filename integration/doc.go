// Package integration holds the tests that run the shoal binary and real
// pytest over the suites under testdata/suites. They build only with the
// integration tag, so that `go test ./...` runs the unit tests alone:
//
//	go test -count=1 -tags integration ./integration/
//
// README.md says what each file checks and what the tests need.
package integration
