package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/custos-dev/custos/internal/wire"
)

// SignatureHeader carries a delivery's signature.
const SignatureHeader = "X-DFNS-WEBHOOK-SIGNATURE"

// Sign returns the signature header value of body under secret:
// "sha256=" and the lower-case hex HMAC-SHA256 (docs/protocol/webhooks.md §4).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Body returns the bytes delivered for e, sent at sent: the event object
// {id, kind, date, data, timestampSent, deliveryAttempt, retryOf?} in the
// form JSON.stringify gives (e.Data already is).
func Body(e *Event, sent time.Time) []byte {
	var b bytes.Buffer
	b.WriteString(`{"id":`)
	jsString(&b, e.ID)
	b.WriteString(`,"kind":`)
	jsString(&b, e.Kind)
	b.WriteString(`,"date":`)
	jsString(&b, wire.Time(e.Created))
	b.WriteString(`,"data":`)
	if len(e.Data) == 0 {
		b.WriteString("{}")
	} else {
		b.Write(e.Data)
	}
	b.WriteString(`,"timestampSent":`)
	b.WriteString(strconv.FormatInt(sent.Unix(), 10))
	b.WriteString(`,"deliveryAttempt":`)
	b.WriteString(strconv.Itoa(e.Attempt))
	if e.RetryOf != "" {
		b.WriteString(`,"retryOf":`)
		jsString(&b, e.RetryOf)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// poster sends events.
type poster struct {
	client *http.Client
}

func newPoster(cfg Config) *poster { return &poster{client: cfg.Guard.Client(cfg.Timeout)} }

// result is the outcome of one POST.
type result struct {
	ok     bool   // the receiver answered 200
	status string // its status code, or a transport error code
	err    string // what went wrong, if anything
}

// send POSTs e, signed with secret, to url.
func (p *poster) send(ctx context.Context, url string, secret []byte, e *Event, sent time.Time) result {
	body := Body(e, sent)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return result{status: "EINVAL", err: "invalid webhook url"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Custos-Webhooks")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	res, err := p.client.Do(req)
	if err != nil {
		return result{status: transportCode(err), err: transportMessage(err)}
	}
	// Drain a little so the connection can be reused; never more.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	r := result{ok: res.StatusCode == http.StatusOK, status: strconv.Itoa(res.StatusCode)}
	if !r.ok {
		r.err = "the receiver answered " + strconv.Itoa(res.StatusCode) + " (only 200 is a delivery)"
	}
	return r
}

// transportCode names a failure to reach the receiver the way Node names
// socket errors (the codes Dfns reports in place of a status).
func transportCode(err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, ErrRefusedAddress):
		return "EADDRNOTALLOWED"
	case errors.As(err, &dns):
		return "ENOTFOUND"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ECONNREFUSED"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "ECONNRESET"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "ETIMEDOUT"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "EHOSTUNREACH"
	}
	return "EFAILED"
}

// transportMessage describes a transport failure without echoing the
// receiver's URL (which may carry tokens in its query).
func transportMessage(err error) string {
	switch transportCode(err) {
	case "EADDRNOTALLOWED":
		return "the webhook's address is not allowed"
	case "ENOTFOUND":
		return "the webhook's host name does not resolve"
	case "ECONNREFUSED":
		return "connection refused"
	case "ECONNRESET":
		return "connection closed by the receiver"
	case "ETIMEDOUT":
		return "no answer within the delivery timeout"
	case "EHOSTUNREACH":
		return "host unreachable"
	}
	return "delivery failed"
}
