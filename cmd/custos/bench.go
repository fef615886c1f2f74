package main

import (
	"context"
	"errors"
	"io"
)

// bench is filled in by the load tool (issue: keys and signatures).
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("bench: not available yet")
}
