//go:build !linux

package sqlstore

import "syscall"

// pgSocketControl does nothing outside Linux: there keepalive and the
// connect timeout bound a dead server (see pgUserTimeout).
func pgSocketControl(_, _ string, _ syscall.RawConn) error { return nil }
