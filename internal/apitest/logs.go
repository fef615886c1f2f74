package apitest

import (
	"bytes"
	"slices"
	"sync"
)

// Logs collects a server's log lines (LogTo) safely from its concurrent
// handlers.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Bytes returns a copy of what was logged so far.
func (l *Logs) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.b.Bytes())
}

// String returns what was logged so far.
func (l *Logs) String() string { return string(l.Bytes()) }
