// Package client is a Go client for the Custos (Dfns-compatible) API. It
// speaks the protocol as the official SDKs do: a bearer token on every call,
// and for state-changing calls the user-action flow (init → sign → complete →
// request with X-DFNS-USERACTION). Direct mode signs with a Signer held by
// the client; delegated mode splits the flow so that another party signs.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
)

// Client calls one Custos server as one identity.
type Client struct {
	BaseURL   string
	AuthToken string
	// Signer signs user actions in direct mode; nil for read-only or
	// delegated use.
	Signer Signer
	HTTP   *http.Client
	// Header is added to every request (e.g. X-DFNS-APPID).
	Header http.Header
}

// New returns a client for baseURL authenticated by token.
func New(baseURL, token string, signer Signer) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), AuthToken: token, Signer: signer, HTTP: http.DefaultClient}
}

// Error is an API error: the status and the Dfns error body.
type Error struct {
	Status int
	Body   apierr.Body
	Raw    string
}

func (e *Error) Error() string {
	if e.Body.Error.Message != "" {
		return fmt.Sprintf("%d: %s", e.Status, e.Body.Error.Message)
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Raw)
}

// unsigned lists the non-GET calls that take no user action (docs/protocol/auth.md §2.1, §2.3).
var unsigned = map[string]bool{
	"POST /auth/action/init": true, "POST /auth/action": true, "PUT /auth/logout": true,
	"POST /auth/login/init": true, "POST /auth/login": true, "POST /auth/credentials/init": true,
	"POST /auth/tokens": true, "POST /auth/login/code": true, "POST /auth/registration/init": true,
	"POST /auth/registration": true, "POST /auth/registration/enduser": true, "PUT /auth/registration/code": true,
	"POST /auth/recover/user/init": true, "POST /auth/recover/user/code": true, "POST /auth/recover/user": true,
	"POST /auth/credentials/code/init": true, "POST /auth/credentials/code/verify": true,
}

// NeedsSignature reports whether method and path need a user action.
func NeedsSignature(method, path string) bool {
	if method == http.MethodGet {
		return false
	}
	p := path
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return !unsigned[method+" "+p]
}

// Payload serialises body as the SDKs do: JSON, or "{}" for a bodyless
// signed call.
func Payload(body any) ([]byte, error) {
	if body == nil {
		return []byte("{}"), nil
	}
	if b, ok := body.([]byte); ok {
		return b, nil
	}
	if s, ok := body.(string); ok {
		return []byte(s), nil
	}
	return json.Marshal(body)
}

// Do sends method path with body (any JSON value, raw []byte or string) and
// decodes the response into out (may be nil). State-changing calls are
// signed with the client's Signer.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil || method != http.MethodGet {
		b, err := Payload(body)
		if err != nil {
			return err
		}
		payload = b
	}
	if method == http.MethodGet {
		return c.send(ctx, method, path, nil, "", out)
	}
	if !NeedsSignature(method, path) {
		return c.send(ctx, method, path, payload, "", out)
	}
	if c.Signer == nil {
		return fmt.Errorf("%s %s needs a user action signature and the client has no signer", method, path)
	}
	ch, err := c.ActionInit(ctx, method, path, payload)
	if err != nil {
		return err
	}
	a, err := c.Signer.Sign(ctx, ch)
	if err != nil {
		return fmt.Errorf("sign user action: %w", err)
	}
	token, err := c.ActionComplete(ctx, ch.ChallengeIdentifier, a)
	if err != nil {
		return err
	}
	return c.send(ctx, method, path, payload, token, out)
}

// ActionInit is the first half of delegated signing: it asks for the
// challenge of the user action for method, path and payload.
func (c *Client) ActionInit(ctx context.Context, method, path string, payload []byte) (*Challenge, error) {
	in := map[string]string{
		"userActionPayload": string(payload), "userActionHttpMethod": method,
		"userActionHttpPath": path, "userActionServerKind": "Api",
	}
	var ch Challenge
	if err := c.send(ctx, http.MethodPost, "/auth/action/init", mustJSON(in), "", &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// ActionComplete trades a signed challenge for a user action token.
func (c *Client) ActionComplete(ctx context.Context, challengeIdentifier string, first *credential.Assertion) (string, error) {
	in := map[string]any{"challengeIdentifier": challengeIdentifier, "firstFactor": first}
	var out struct {
		UserAction string `json:"userAction"`
	}
	if err := c.send(ctx, http.MethodPost, "/auth/action", mustJSON(in), "", &out); err != nil {
		return "", err
	}
	return out.UserAction, nil
}

// DoWithAction sends a request with a user action token obtained through
// ActionInit / ActionComplete; payload must be the signed payload.
func (c *Client) DoWithAction(ctx context.Context, method, path string, payload []byte, userAction string, out any) error {
	return c.send(ctx, method, path, payload, userAction, out)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (c *Client) send(ctx context.Context, method, path string, body []byte, userAction string, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return err
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	if c.AuthToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.AuthToken)
	}
	if userAction != "" {
		req.Header.Set("X-DFNS-USERACTION", userAction)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		e := &Error{Status: res.StatusCode, Raw: string(raw)}
		_ = json.Unmarshal(raw, &e.Body)
		return e
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode %s %s response: %w", method, path, err)
	}
	return nil
}

// Login logs username of org in with signer (init → sign → complete) and
// returns the login token.
func Login(ctx context.Context, hc *http.Client, baseURL, orgID, username string, signer Signer) (string, error) {
	c := &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: hc}
	var ch Challenge
	if err := c.send(ctx, http.MethodPost, "/auth/login/init", mustJSON(map[string]string{"username": username, "orgId": orgID}), "", &ch); err != nil {
		return "", err
	}
	a, err := signer.Sign(ctx, &ch)
	if err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	in := map[string]any{"challengeIdentifier": ch.ChallengeIdentifier, "firstFactor": a}
	if err := c.send(ctx, http.MethodPost, "/auth/login", mustJSON(in), "", &out); err != nil {
		return "", err
	}
	return out.Token, nil
}
