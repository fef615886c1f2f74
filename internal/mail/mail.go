// Package mail sends the server's emails (registration codes) through an
// SMTP server the operator configures (docs/protocol/registration.md,
// "Email"). Without one, the features that need email answer 400.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
)

// ErrNotConfigured answers a request that would send an email on a server
// without SMTP.
var ErrNotConfigured = apierr.BadRequest("email is not configured on this server")

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Sender sends emails.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through one SMTP server: smtp://host:port, with optional
// user:password@ (PLAIN, only over TLS or to a loopback server) and
// ?starttls=required|off (default: STARTTLS when the server offers it).
// It never logs a message's text.
type SMTP struct {
	addr      string
	host      string
	from      string
	auth      smtp.Auth
	starttls  string
	timeout   time.Duration
	logger    *slog.Logger
	tlsConfig *tls.Config
}

// NewSMTP parses rawURL and from (the sender address) into an SMTP sender.
func NewSMTP(rawURL, from string, logger *slog.Logger) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return nil, errors.New("--smtp-url must look like smtp://host:port")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, port = u.Host, "25"
	}
	if a, err := mail.ParseAddress(from); err != nil || a.Address != from {
		return nil, errors.New("--smtp-from must be an email address")
	}
	s := &SMTP{addr: net.JoinHostPort(host, port), host: host, from: from, starttls: u.Query().Get("starttls"),
		timeout: 30 * time.Second, logger: logger, tlsConfig: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}}
	switch s.starttls {
	case "", "required", "off":
	default:
		return nil, errors.New("--smtp-url starttls must be required or off")
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, host)
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Send delivers m. Failures are logged without the message's text.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	err := s.send(ctx, m)
	if err != nil {
		s.logger.WarnContext(ctx, "email not sent", "subject", m.Subject, "err", err)
	}
	return err
}

func (s *SMTP) send(ctx context.Context, m Message) error {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("header with a line break")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("dial smtp %s: %w", s.addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp hello: %w", err)
	}
	defer c.Close()
	if s.starttls != "off" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig); err != nil {
				return fmt.Errorf("smtp starttls: %w", err)
			}
		} else if s.starttls == "required" {
			return errors.New("smtp server does not offer STARTTLS")
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(s.from); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("smtp RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(Format(s.from, m, time.Now())); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end of data: %w", err)
	}
	return c.Quit()
}

// Format renders m as an RFC 5322 message with one text/plain UTF-8 part,
// lines ending in CRLF.
func Format(from string, m Message, now time.Time) []byte {
	var b strings.Builder
	for _, h := range [][2]string{{"From", from}, {"To", m.To}, {"Subject", mimeHeader(m.Subject)},
		{"Date", now.UTC().Format(time.RFC1123Z)}, {"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"}, {"Content-Transfer-Encoding", "8bit"}} {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")
	b.WriteString(text)
	if !strings.HasSuffix(text, "\r\n") {
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// mimeHeader encodes a header value that is not plain ASCII (RFC 2047).
func mimeHeader(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return mime.QEncoding.Encode("utf-8", v)
		}
	}
	return v
}
