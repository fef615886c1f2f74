//go:build linux

package sqlstore

import (
	"syscall"
)

// tcpUserTimeout is TCP_USER_TIMEOUT of Linux's <netinet/tcp.h>, which the
// syscall package does not name.
const tcpUserTimeout = 0x12

// pgSocketControl sets TCP_USER_TIMEOUT on a connection to PostgreSQL:
// data left unacknowledged that long closes the socket (see pgUserTimeout).
// A Unix socket has no such option and is left alone.
func pgSocketControl(network, _ string, c syscall.RawConn) error {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil
	}
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, int(pgUserTimeout.Milliseconds()))
	})
	if err != nil {
		return err
	}
	return serr
}
