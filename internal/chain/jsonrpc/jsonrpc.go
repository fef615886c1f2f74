// Package jsonrpc is the JSON-RPC client the chain families that talk to
// their nodes over plain HTTP share (Bitcoin-family nodes speak JSON-RPC
// 1.0, Solana nodes 2.0), and the API errors a failing node turns into.
package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
)

// Error is an error the node answered with.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("node error %d: %s", e.Code, e.Message) }

// HTTPError is a node that answered with an HTTP error and no JSON-RPC body.
type HTTPError struct{ Status int }

func (e *HTTPError) Error() string { return fmt.Sprintf("node answered HTTP %d", e.Status) }

// Client makes JSON-RPC calls to one node. Use it by pointer.
type Client struct {
	URL        string // without the user and password
	User, Pass string // HTTP basic auth when either is set
	HC         *http.Client
	Version    string // the "jsonrpc" member: "1.0" or "2.0"
	MaxReply   int64  // bound on what is read of one reply
	ids        atomic.Int64
}

// Call makes one JSON-RPC call and decodes the result into out (nil: the
// result is dropped).
func (c *Client) Call(ctx context.Context, out any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": c.Version, "id": c.ids.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.User != "" || c.Pass != "" {
		req.SetBasicAuth(c.User, c.Pass)
	}
	res, err := c.HC.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, c.MaxReply))
	if err != nil {
		return err
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *Error          `json:"error"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		if res.StatusCode != http.StatusOK {
			return &HTTPError{res.StatusCode}
		}
		return fmt.Errorf("%s: the node's reply is not JSON-RPC: %w", method, err)
	}
	if reply.Error != nil {
		return reply.Error
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(reply.Result, out); err != nil {
		return fmt.Errorf("%s: decode the node's reply: %w", method, err)
	}
	return nil
}

// NodeError turns a failure to talk to the node of network into the API
// error: 503 when the node cannot be reached or does not answer in time
// (the caller may retry), 502 when it answers with an error. An API error
// passes unchanged.
func NodeError(network string, err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return err
	}
	var re *Error
	var he *HTTPError
	switch {
	case errors.As(err, &re):
		return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node answered with an error", network)}).Wrap(err)
	case errors.As(err, &he):
		return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node answered HTTP %d", network, he.Status)}).Wrap(err)
	}
	return Unreachable(network, err)
}

// Unreachable is NodeError for a failure that is not an answer: 503 when
// the node cannot be reached or does not answer in time, 502 otherwise.
func Unreachable(network string, err error) error {
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return (&apierr.Error{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf("the %s node is unavailable", network),
			RetryAfter: time.Second}).Wrap(err)
	}
	return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node failed", network)}).Wrap(err)
}

// NoNode is the 400 for a network without a node.
func NoNode(network string) error {
	return apierr.BadRequest("network %s has no node: start custos with --rpc %s=URL to send from its wallets", network, network)
}

// NodeOf returns the node of network in nodes, or the 400 naming the
// missing --rpc.
func NodeOf[N any](nodes map[string]*N, network string) (*N, error) {
	if n := nodes[network]; n != nil {
		return n, nil
	}
	return nil, NoNode(network)
}
