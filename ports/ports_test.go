package ports

import (
	"errors"
	"fmt"
	"net"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	linux := LinuxDefault
	type testCase struct {
		name       string
		base, size int
		workers    int
		ephemeral  Ephemeral
		want       []Block
		err        string // parts of the message, "|"-separated
		hint       string
	}
	run := func(t *testing.T, tc testCase) {
		got, err := Plan(tc.base, tc.size, tc.workers, tc.ephemeral)
		if tc.err == "" {
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("got %v, %v; want an *Error", got, err)
		}
		for _, part := range strings.Split(tc.err, "|") {
			if !strings.Contains(e.Msg, part) {
				t.Errorf("message %q should contain %q", e.Msg, part)
			}
		}
		if !strings.Contains(e.Hint, tc.hint) {
			t.Errorf("hint %q should contain %q", e.Hint, tc.hint)
		}
	}
	testCases := []testCase{
		{
			name: "defaults, four workers", base: 20000, size: 100, workers: 4, ephemeral: linux,
			want: []Block{{20000, 20099}, {20100, 20199}, {20200, 20299}, {20300, 20399}},
		},
		{
			name: "ends right below the ephemeral range", base: 32000, size: 256, workers: 3, ephemeral: linux,
			want: []Block{{32000, 32255}, {32256, 32511}, {32512, 32767}},
		},
		{
			name: "above the ephemeral range", base: 61000, size: 1000, workers: 2, ephemeral: linux,
			want: []Block{{61000, 61999}, {62000, 62999}},
		},
		{
			name: "one port too many", base: 32000, size: 256, workers: 4, ephemeral: linux,
			err:  "32000-33023|overlap the ephemeral port range 32768-60999|Linux's default|4 workers × 256 ports",
			hint: "base + workers × size ≤ 32768, or base > 60999",
		},
		{
			name: "inside a narrowed ephemeral range", base: 20000, size: 100, workers: 4,
			ephemeral: Ephemeral{Block{20200, 20300}, "net.ipv4.ip_local_port_range"},
			err:       "20000-20399|overlap the ephemeral port range 20200-20300 (net.ipv4.ip_local_port_range)",
			hint:      "base > 20300",
		},
		{
			name: "past 65535", base: 61000, size: 1000, workers: 5, ephemeral: linux,
			err: "end at 65999, past 65535", hint: "lower",
		},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) { run(t, tc) })
	}
}

func TestReadEphemeral(t *testing.T) {
	e := ReadEphemeral()
	if e.Lo < 1 || e.Hi > 65535 || e.Lo > e.Hi {
		t.Errorf("ReadEphemeral gave %+v", e)
	}
}

// TestFree: a port a listener holds is not free, and FirstFree skips it.
func TestFree(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	if Free(taken) {
		t.Errorf("port %d is held by a listener but Free says it is free", taken)
	}
	b := Block{taken, taken + 20}
	got, err := FirstFree(b, 0)
	if err != nil {
		t.Fatalf("FirstFree(%v): %v", b, err)
	}
	if got <= taken || got > b.Hi {
		t.Errorf("FirstFree(%v) = %d, want a port after the taken %d", b, got, taken)
	}
	if _, err := FirstFree(Block{taken, taken}, 0); !errors.Is(err, ErrNoneFree) {
		t.Errorf("FirstFree of the taken port alone gave %v, want ErrNoneFree", err)
	}
}

// TestFreeWithoutReuse: after a server closes a connection first, the
// connection holds its port (TIME_WAIT) for a minute. A plain server cannot
// bind it then, so Free must not call it free, although Go's own listeners,
// which set SO_REUSEADDR, could.
func TestFreeWithoutReuse(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	server.Close()
	client.Close()
	if Free(port) {
		t.Errorf("port %d still holds a closed connection, but Free says it is free", port)
	}
	reuse, err := net.Listen("tcp4", fmt.Sprintf(":%d", port))
	if err != nil {
		t.Fatalf("a listener with SO_REUSEADDR cannot bind %d either (%v): the test shows nothing", port, err)
	}
	reuse.Close()
}

func TestTake(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("claims need Linux's abstract sockets")
	}
	blocks := []Block{{47100, 47109}, {47110, 47119}}
	first, err := Take(blocks)
	if err != nil {
		t.Fatal(err)
	}
	// Another run wanting one of the same blocks is told, and holds nothing.
	if _, err := Take([]Block{{47090, 47099}, {47110, 47119}}); !errors.Is(err, ErrTaken) || !strings.Contains(err.Error(), "47110-47119") {
		t.Fatalf("a second claim of 47110-47119: %v, want ErrTaken naming it", err)
	}
	other, err := Take([]Block{{47090, 47099}})
	if err != nil {
		t.Fatalf("47090-47099 should be free again after a failed claim: %v", err)
	}
	other.Release()
	first.Release()
	again, err := Take(blocks)
	if err != nil {
		t.Fatalf("released blocks should be free: %v", err)
	}
	again.Release()
}
