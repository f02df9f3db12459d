// Package ports gives every worker of a run a block of ports of its own,
// outside the range the kernel hands out to outgoing connections, so tests
// on different workers never reach for the same port.
package ports

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Block is the ports Lo to Hi, both included.
type Block struct{ Lo, Hi int }

// String is how shoal writes a block, also in SHOAL_PORT_RANGE: "20000-20099".
func (b Block) String() string { return fmt.Sprintf("%d-%d", b.Lo, b.Hi) }

// Size is how many ports the block holds.
func (b Block) Size() int { return b.Hi - b.Lo + 1 }

func (b Block) overlaps(o Block) bool { return b.Lo <= o.Hi && o.Lo <= b.Hi }

// Error is a block plan the run cannot use; Hint says what to change.
type Error struct {
	Msg  string
	Hint string
}

func (e *Error) Error() string { return e.Msg }

// Plan gives worker i the block of size ports from base+i*size. The blocks
// together must stay below 65536 and out of the ephemeral range, where the
// kernel picks the local ports of outgoing connections: a test's server
// could find its port taken by any client on the machine.
func Plan(base, size, workers int, ephemeral Ephemeral) ([]Block, error) {
	if workers < 1 || size < 1 {
		return nil, &Error{Msg: fmt.Sprintf("cannot plan %d workers' blocks of %d ports", workers, size)}
	}
	all := Block{base, base + workers*size - 1}
	setting := fmt.Sprintf("%d workers × %d ports from [tool.shoal.ports] base %d", workers, size, base)
	if all.Hi > 65535 {
		return nil, &Error{
			Msg:  fmt.Sprintf("the port blocks of %s end at %d, past 65535", setting, all.Hi),
			Hint: "lower [tool.shoal.ports] base or size, or run fewer workers",
		}
	}
	if all.overlaps(ephemeral.Block) {
		return nil, &Error{
			Msg: fmt.Sprintf("the port blocks %s (%s) overlap the ephemeral port range %s (%s)",
				all, setting, ephemeral.Block, ephemeral.Source),
			Hint: fmt.Sprintf("set [tool.shoal.ports] so that base + workers × size ≤ %d, or base > %d",
				ephemeral.Lo, ephemeral.Hi),
		}
	}
	blocks := make([]Block, workers)
	for i := range blocks {
		blocks[i] = Block{base + i*size, base + (i+1)*size - 1}
	}
	return blocks, nil
}

// Ephemeral is the range the kernel picks outgoing connections' ports from,
// and where that was read.
type Ephemeral struct {
	Block
	Source string
}

// rangeFile is Linux's setting of the ephemeral range.
const rangeFile = "/proc/sys/net/ipv4/ip_local_port_range"

// LinuxDefault is Linux's ephemeral range when nothing changed it.
var LinuxDefault = Ephemeral{Block{32768, 60999}, "Linux's default"}

// ReadEphemeral reads the machine's ephemeral range; Linux's default where
// the setting cannot be read.
func ReadEphemeral() Ephemeral {
	data, err := os.ReadFile(rangeFile)
	if err != nil {
		return LinuxDefault
	}
	f := strings.Fields(string(data))
	if len(f) != 2 {
		return LinuxDefault
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || lo > hi {
		return LinuxDefault
	}
	return Ephemeral{Block{lo, hi}, "net.ipv4.ip_local_port_range"}
}

// ErrNoneFree is returned when no port of a block is free.
var ErrNoneFree = errors.New("no port of the block is free")

// FirstFree returns the first port from from to b.Hi that is free to bind
// right now on every IPv4 address.
func FirstFree(b Block, from int) (int, error) {
	for p := max(from, b.Lo); p <= b.Hi; p++ {
		if Free(p) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("ports %d-%d: %w", max(from, b.Lo), b.Hi, ErrNoneFree)
}

// Free tells whether a TCP listener could bind port on every IPv4 address
// now. It binds without SO_REUSEADDR, as a plain server would, so a port
// that a closed connection still holds counts as taken.
func Free(port int) bool {
	// Go's listeners set SO_REUSEADDR; a bare socket does not.
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	return syscall.Bind(fd, &syscall.SockaddrInet4{Port: port}) == nil
}

// ErrTaken says another shoal run holds a block.
var ErrTaken = errors.New("held by another shoal run")

// Claim holds port blocks against every other shoal run on the machine
// while its process lives, so that two runs with the same [tool.shoal.ports]
// never hand out the same ports. Each block is an abstract Unix socket
// named after it: the kernel frees the name when the process ends however
// it ends, and runs in separate network namespaces, which share no ports,
// share no names either. Blocks count as the same only when they are the
// same: two runs with different sizes do not see each other.
type Claim struct {
	held []net.Listener
}

// Take claims blocks, all or none. It fails with ErrTaken where another
// run holds one; where the machine cannot tell (no abstract sockets), it
// claims nothing and does not fail.
func Take(blocks []Block) (*Claim, error) {
	c := &Claim{}
	if runtime.GOOS != "linux" {
		return c, nil
	}
	for _, b := range blocks {
		ln, err := net.Listen("unix", "@shoal-ports-"+b.String())
		if errors.Is(err, syscall.EADDRINUSE) {
			c.Release()
			return nil, fmt.Errorf("ports %s: %w", b, ErrTaken)
		}
		if err != nil {
			c.Release()
			return &Claim{}, nil
		}
		c.held = append(c.held, ln)
	}
	return c, nil
}

// Release lets other runs have the blocks.
func (c *Claim) Release() {
	if c == nil {
		return
	}
	for _, ln := range c.held {
		_ = ln.Close()
	}
	c.held = nil
}
