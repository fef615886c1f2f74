package loadgen

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/credential"
)

// leanFlow runs the user-action protocol (docs/protocol/auth.md §3: init → sign →
// complete → request with X-DFNS-USERACTION) on one worker's own
// connection, with buffers reused from flow to flow. It is not safe for
// concurrent use.
type leanFlow struct {
	conn   *conn
	signer *client.KeySigner
	path   string // /keys/{id}/signatures, the signed path
	field  string // `{"kind":"Message","message":"0x` or the Hash one
	rng    *rand.ChaCha8

	payload []byte // the final request body
	init    []byte // the POST /auth/action/init body
	random  [32]byte
	allow   []client.AllowCredential // reused by the challenge
	// reqs collects the latency of each answered request.
	reqs *[]time.Duration
}

// post sends one request on the flow's connection and records its latency.
func (f *leanFlow) post(path string, body []byte, userAction string) ([]byte, error) {
	t0 := time.Now()
	res, err := f.conn.post(path, body, userAction)
	if err == nil && f.reqs != nil {
		*f.reqs = append(*f.reqs, time.Since(t0))
	}
	return res, err
}

// newLeanFlow returns a flow for one worker signing with the key at path
// (/keys/{id}/signatures) with payload kind "Message" or "Hash".
func newLeanFlow(t *target, signer *client.KeySigner, path, kind string) (*leanFlow, error) {
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		return nil, err
	}
	field := `{"kind":"Message","message":"0x`
	if kind == "Hash" {
		field = `{"kind":"Hash","hash":"0x`
	}
	return &leanFlow{
		conn: newConn(t), signer: signer, path: path, field: field, rng: rand.NewChaCha8(seed),
		payload: make([]byte, 0, 128), init: make([]byte, 0, 512),
	}, nil
}

// challengeReply is what a flow reads of the POST /auth/action/init
// response (docs/protocol/auth.md §3.1).
type challengeReply struct {
	Challenge           string `json:"challenge"`
	ChallengeIdentifier string `json:"challengeIdentifier"`
	AllowCredentials    struct {
		Key []struct {
			ID string `json:"id"`
		} `json:"key"`
	} `json:"allowCredentials"`
}

// completeRequest is the POST /auth/action body.
type completeRequest struct {
	ChallengeIdentifier string                `json:"challengeIdentifier"`
	FirstFactor         *credential.Assertion `json:"firstFactor"`
}

// actionReply is what a flow reads of the POST /auth/action response.
type actionReply struct {
	UserAction string `json:"userAction"`
}

// run performs one complete flow. Its I/O ends by deadline at the latest.
func (f *leanFlow) run(ctx context.Context, deadline time.Time) error {
	if err := f.conn.begin(deadline); err != nil {
		return err
	}
	// The signed payload: 32 random bytes as 0x hex.
	_, _ = f.rng.Read(f.random[:])
	p := append(f.payload[:0], f.field...)
	p = hex.AppendEncode(p, f.random[:])
	p = append(p, `"}`...)
	f.payload = p

	// 1. init: the challenge for POST path with exactly this payload.
	b := append(f.init[:0], `{"userActionPayload":`...)
	b = appendJSONString(b, p)
	b = append(b, `,"userActionHttpMethod":"POST","userActionHttpPath":`...)
	b = appendJSONString(b, f.path)
	b = append(b, `,"userActionServerKind":"Api"}`...)
	f.init = b
	res, err := f.post("/auth/action/init", b, "")
	if err != nil {
		return fmt.Errorf("action init: %w", err)
	}
	var cr challengeReply
	if err := json.Unmarshal(res, &cr); err != nil {
		return fmt.Errorf("decode challenge: %w", err)
	}
	f.allow = f.allow[:0]
	for _, k := range cr.AllowCredentials.Key {
		f.allow = append(f.allow, client.AllowCredential{ID: k.ID})
	}
	ch := client.Challenge{
		Challenge: cr.Challenge, ChallengeIdentifier: cr.ChallengeIdentifier,
		AllowCredentials: client.AllowCredentials{Key: f.allow},
	}

	// 2. sign the challenge and trade it for a user action token.
	a, err := f.signer.Sign(ctx, &ch)
	if err != nil {
		return fmt.Errorf("sign user action: %w", err)
	}
	body, err := json.Marshal(completeRequest{ChallengeIdentifier: cr.ChallengeIdentifier, FirstFactor: a})
	if err != nil {
		return err
	}
	if res, err = f.post("/auth/action", body, ""); err != nil {
		return fmt.Errorf("action complete: %w", err)
	}
	var ar actionReply
	if err := json.Unmarshal(res, &ar); err != nil {
		return fmt.Errorf("decode user action: %w", err)
	}
	if ar.UserAction == "" || !headerSafe(ar.UserAction) {
		return errors.New("action complete: no usable userAction token in the response")
	}

	// 3. the signature request itself.
	if _, err := f.post(f.path, p, ar.UserAction); err != nil {
		return fmt.Errorf("signature request: %w", err)
	}
	return nil
}

// hexDigits spells the \u00XX escapes of control characters.
const hexDigits = "0123456789abcdef"

// appendJSONString appends s to b as a JSON string. It escapes '"', '\\'
// and control characters, which is all RFC 8259 §7 requires; s must be
// valid UTF-8 (payloads here are ASCII), and other bytes are copied as is.
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
