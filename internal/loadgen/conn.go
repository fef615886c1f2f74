package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBody bounds a response body, as client.Client does.
const maxBody = 16 << 20

// requestTimeout bounds one flow on the wire, as the http.Client of the
// general path bounds each request.
const requestTimeout = 30 * time.Second

// target is where the lean path sends its requests: the address to dial and
// the constant header bytes of every request.
type target struct {
	addr   string // host:port to dial
	prefix string // path prefix of the base URL, without trailing '/'
	// headers holds the Host, Authorization and Content-Type lines, each
	// ending in CRLF: the part of every request that never changes.
	headers []byte
}

// newTarget prepares the lean path for base and token. It fails for
// anything but an http URL, and for a token or host that would not fit in a
// header line.
func newTarget(base, token string) (*target, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("lean path needs an http URL, not %q", u.Scheme)
	}
	if !headerSafe(u.Host) || !headerSafe(token) {
		return nil, errors.New("host or token holds characters not allowed in a header")
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	h := "Host: " + u.Host + "\r\n"
	if token != "" {
		h += "Authorization: Bearer " + token + "\r\n"
	}
	h += "Content-Type: application/json\r\n"
	return &target{addr: addr, prefix: strings.TrimRight(u.EscapedPath(), "/"), headers: []byte(h)}, nil
}

// headerSafe reports whether s may be written as a header value: visible
// ASCII and spaces only, so no line break can smuggle a header in.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// statusError is a response with status >= 400.
type statusError struct {
	status int
	body   string // at most 200 bytes of the response body
}

// Error returns the status and the start of the body, as FirstError shows.
func (e *statusError) Error() string {
	return fmt.Sprintf("%d: %s", e.status, e.body)
}

// conn is one worker's dedicated keep-alive HTTP/1.1 connection. It is not
// safe for concurrent use, except for stop.
type conn struct {
	t        *target
	nc       net.Conn // nil until dialed, and after an I/O error
	bw       *bufio.Writer
	br       *bufio.Reader
	buf      []byte // the last response body, reused
	req      []byte // the request line and headers being written, reused
	deadline time.Time

	mu      sync.Mutex // guards nc against stop, and stopped
	stopped bool
}

// newConn returns a connection to t; it dials on first use.
func newConn(t *target) *conn {
	return &conn{t: t, buf: make([]byte, 0, 4096), req: make([]byte, 0, 512)}
}

// dial opens the connection.
func (c *conn) dial() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("load run stopped")
	}
	nc, err := net.DialTimeout("tcp", c.t.addr, 5*time.Second)
	if err != nil {
		return err
	}
	if err := nc.SetDeadline(c.deadline); err != nil {
		nc.Close()
		return err
	}
	c.nc = nc
	if c.bw == nil {
		c.bw, c.br = bufio.NewWriterSize(nc, 4096), bufio.NewReaderSize(nc, 4096)
	} else {
		c.bw.Reset(nc)
		c.br.Reset(nc)
	}
	return nil
}

// begin bounds the I/O of the next flow by deadline. It fails once stop
// was called, so that no new deadline undoes stop's.
func (c *conn) begin(deadline time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("load run stopped")
	}
	c.deadline = deadline
	if c.nc == nil {
		return nil
	}
	return c.nc.SetDeadline(deadline)
}

// stop makes any pending and future I/O fail; the worker's loop then sees
// its context done and returns.
func (c *conn) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.nc != nil {
		c.nc.SetDeadline(time.Unix(1, 0))
	}
}

// close drops the connection; the next request dials a new one.
func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// post sends POST prefix+path with body, and userAction in
// X-DFNS-USERACTION when not empty, and returns the response body, valid
// until the next call. A status >= 400 is a *statusError. After an I/O
// error the connection is dropped, and the next request dials once.
func (c *conn) post(path string, body []byte, userAction string) ([]byte, error) {
	if c.nc == nil {
		if err := c.dial(); err != nil {
			return nil, err
		}
	}
	b, err := c.roundTrip(path, body, userAction)
	if err != nil {
		var se *statusError
		if !errors.As(err, &se) {
			c.close()
		}
		return nil, err
	}
	return b, nil
}

// roundTrip writes one request and reads its response.
func (c *conn) roundTrip(path string, body []byte, userAction string) ([]byte, error) {
	r := append(c.req[:0], "POST "...)
	r = append(r, c.t.prefix...)
	r = append(r, path...)
	r = append(r, " HTTP/1.1\r\n"...)
	r = append(r, c.t.headers...)
	r = append(r, "Content-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n"...)
	if userAction != "" {
		r = append(r, "X-DFNS-USERACTION: "...)
		r = append(r, userAction...)
		r = append(r, "\r\n"...)
	}
	r = append(r, "\r\n"...)
	c.req = r
	if _, err := c.bw.Write(r); err != nil {
		return nil, err
	}
	if _, err := c.bw.Write(body); err != nil {
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	res, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	b, err := c.readBody(res)
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	if res.Close {
		// The server closes its side: the next request dials afresh.
		c.close()
	}
	if res.StatusCode >= 400 {
		return nil, &statusError{status: res.StatusCode, body: clip(strings.TrimSpace(string(b)), 200)}
	}
	return b, nil
}

// readBody reads all of res.Body into c.buf and closes it.
func (c *conn) readBody(res *http.Response) ([]byte, error) {
	defer res.Body.Close()
	n := res.ContentLength
	if n < 0 || n > maxBody {
		b, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
		c.buf = b[:0]
		return b, err
	}
	if int64(cap(c.buf)) < n {
		c.buf = make([]byte, n)
	}
	b := c.buf[:n]
	_, err := io.ReadFull(res.Body, b)
	return b, err
}

// clip returns at most n bytes of s.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
