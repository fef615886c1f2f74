package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apitest"
)

// fakeServer answers the n-th connection it accepts (from 1) with
// serve(n, conn, reader) and returns its base URL.
func fakeServer(t *testing.T, serve func(n int, c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for n := 1; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(n, c, bufio.NewReader(c))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// reply writes a response with body; closing adds Connection: close.
func reply(c net.Conn, status int, body string, closing bool) {
	h := ""
	if closing {
		h = "Connection: close\r\n"
	}
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), h, len(body), body)
}

func TestConnReconnect(t *testing.T) {
	reqs := make(chan *http.Request, 10)
	bodies := make(chan string, 10)
	base := fakeServer(t, func(n int, c net.Conn, br *bufio.Reader) {
		for i := 0; ; i++ {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			b, _ := io.ReadAll(req.Body)
			reqs <- req
			bodies <- string(b)
			switch {
			case n == 1: // one answer, then the server closes
				reply(c, 200, `"first"`, true)
				return
			case n == 2: // no answer at all: an I/O error for the client
				return
			case i == 0:
				reply(c, 200, `{"x":1}`, false)
			default:
				reply(c, 404, strings.Repeat("e", 300), false)
			}
		}
	})
	tg, err := newTarget(base+"/api", "tok")
	if err != nil {
		t.Fatal(err)
	}
	c := newConn(tg)
	defer c.close()
	if err := c.begin(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}

	b, err := c.post("/keys/k/signatures", []byte(`{"a":1}`), "ua-token")
	if err != nil || string(b) != `"first"` || c.nc != nil {
		t.Fatalf("first: %q %v, connection kept: %v", b, err, c.nc != nil)
	}
	req, body := <-reqs, <-bodies
	if req.Method != "POST" || req.URL.Path != "/api/keys/k/signatures" || req.Host != strings.TrimPrefix(base, "http://") ||
		req.Header.Get("Authorization") != "Bearer tok" || req.Header.Get("Content-Type") != "application/json" ||
		req.Header.Get("X-DFNS-USERACTION") != "ua-token" || req.ContentLength != 7 || body != `{"a":1}` {
		t.Fatalf("request as the server read it: %+v %q", req, body)
	}

	var se *statusError
	if _, err := c.post("/auth/action", []byte("{}"), ""); err == nil || errors.As(err, &se) || c.nc != nil {
		t.Fatalf("second: %v", err)
	}
	if req := <-reqs; req.Header.Get("X-DFNS-USERACTION") != "" || req.URL.Path != "/api/auth/action" {
		t.Fatalf("second request: %+v", req)
	}
	<-bodies

	if b, err := c.post("/auth/action/init", []byte("{}"), ""); err != nil || string(b) != `{"x":1}` {
		t.Fatalf("third: %q %v", b, err)
	}
	_, err = c.post("/auth/action/init", []byte("{}"), "")
	if !errors.As(err, &se) || se.status != 404 || se.body != strings.Repeat("e", 200) || c.nc == nil {
		t.Fatalf("fourth: %v", err)
	}
}

func TestLeanCancel(t *testing.T) {
	env := apitest.New(t)
	c := configOf(env, "ed25519")
	c.MaxFlows = 0
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := Run(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second || r.Errors != 0 || r.Flows == 0 {
		t.Fatalf("took %s: flows %d errors %d (first: %s)", took, r.Flows, r.Errors, r.FirstError)
	}
}

func TestConnStop(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	base := fakeServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err == nil {
			<-hold // never answer
		}
	})
	tg, err := newTarget(base, "tok")
	if err != nil {
		t.Fatal(err)
	}
	c := newConn(tg)
	defer c.close()
	if err := c.begin(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.post("/auth/action/init", []byte("{}"), "")
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	c.stop()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("post without an answer succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not end the pending read")
	}
	if err := c.begin(time.Now().Add(time.Minute)); err == nil {
		t.Fatal("begin after stop succeeded")
	}
}
