// Package mailtest is a tiny SMTP server for tests: it accepts every
// message on a loopback port and keeps it for the test to read.
package mailtest

import (
	"bufio"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mail is one received message.
type Mail struct {
	From string
	To   []string
	Data string // headers and body, CRLF line ends, dot-unstuffed
}

// Sink is a running SMTP sink.
type Sink struct {
	Addr string // host:port

	ln   net.Listener
	mu   sync.Mutex
	mail []Mail
	news chan struct{}
	wg   sync.WaitGroup
}

// maxMessage bounds a message the sink keeps.
const maxMessage = 1 << 20

// Start listens on a free loopback port until t ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{Addr: ln.Addr().String(), ln: ln, news: make(chan struct{}, 1)}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// URL is the sink's address as --smtp-url takes it.
func (s *Sink) URL() string { return "smtp://" + s.Addr }

func (s *Sink) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

// serve speaks just enough SMTP for net/smtp: no STARTTLS, no AUTH.
func (s *Sink) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	say := func(l string) { _, _ = c.Write([]byte(l + "\r\n")) }
	say("220 sink ready")
	var m Mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimRight(line, "\r\n"))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = Mail{From: addrOf(line)}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.To = append(m.To, addrOf(line))
			say("250 ok")
		case cmd == "DATA":
			say("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				if b.Len() < maxMessage {
					b.WriteString(strings.TrimPrefix(l, "."))
				}
			}
			m.Data = b.String()
			s.mu.Lock()
			s.mail = append(s.mail, m)
			s.mu.Unlock()
			select {
			case s.news <- struct{}{}:
			default:
			}
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		case cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		default:
			say("502 not implemented")
		}
	}
}

func addrOf(line string) string {
	if i, j := strings.IndexByte(line, '<'), strings.IndexByte(line, '>'); i >= 0 && j > i {
		return line[i+1 : j]
	}
	return ""
}

// Messages returns the messages received so far.
func (s *Sink) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// codeLine matches "<label>: <code>" on a line of its own.
func codeLine(label string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `: (\S+)\r?$`)
}

// Code returns the code on the line "<label>: <code>" of the newest message
// to addr, waiting up to 10 s for one; "" if none came. Mail is sent after
// the request that causes it commits, so a test may look before it lands.
func (s *Sink) Code(addr, label string) string {
	re := codeLine(label)
	deadline := time.After(10 * time.Second)
	for {
		msgs := s.Messages()
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, to := range msgs[i].To {
				if strings.EqualFold(to, addr) {
					if m := re.FindStringSubmatch(msgs[i].Data); m != nil {
						return m[1]
					}
				}
			}
		}
		select {
		case <-s.news:
		case <-deadline:
			return ""
		}
	}
}
