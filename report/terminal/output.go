package terminal

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// batchDelay is how long printed progress may wait in the buffer: results
// that arrive together go out in one write, and none waits for the next
// result, which may be minutes away while a long test runs.
const batchDelay = 5 * time.Millisecond

// output buffers what the reporter prints and writes it out batchDelay
// after the first byte that waits, from a timer. The lock guards only the
// buffer: the reporter's own state stays with the goroutine that gives it
// events.
type output struct {
	mu    sync.Mutex
	w     *bufio.Writer
	timer *time.Timer // set while bytes wait
}

func newOutput(w io.Writer) *output {
	return &output{w: bufio.NewWriterSize(w, 16<<10)}
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.w.Write(p)
	if o.timer == nil && o.w.Buffered() > 0 {
		o.timer = time.AfterFunc(batchDelay, func() { _ = o.Flush() })
	}
	return n, err
}

// Flush writes out what waits now.
func (o *output) Flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	return o.w.Flush()
}
