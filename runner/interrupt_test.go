package runner

import (
	"context"
	"errors"
	"testing"
)

func TestInterruptReason(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := interruptReason(ctx); got != "KeyboardInterrupt" {
		t.Errorf("plain cancel: %q", got)
	}
	ctx, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(errors.New("Interrupted: terminated by SIGTERM"))
	if got := interruptReason(ctx); got != "Interrupted: terminated by SIGTERM" {
		t.Errorf("with a cause: %q", got)
	}
}
