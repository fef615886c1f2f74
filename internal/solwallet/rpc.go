package solwallet

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

// rpcError is an error the node answered with.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("node error %d: %s", e.Code, e.Message) }

// errHTTP is a node that answered with an HTTP error and no JSON-RPC body.
type errHTTP struct{ status int }

func (e *errHTTP) Error() string { return fmt.Sprintf("node answered HTTP %d", e.status) }

// maxReply bounds what is read of one node reply (a full block of base64
// transactions stays well below it).
const maxReply = 64 << 20

// client makes JSON-RPC 2.0 calls to one node.
type client struct {
	url string
	hc  *http.Client
	ids atomic.Int64
}

// call makes one JSON-RPC 2.0 call and decodes the result into out.
func (c *client) call(ctx context.Context, out any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.ids.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxReply))
	if err != nil {
		return err
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		if res.StatusCode != http.StatusOK {
			return &errHTTP{res.StatusCode}
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

// nodeError turns a failure to talk to the node of network into the API
// error: 503 when the node cannot be reached or does not answer in time
// (the caller may retry), 502 when it answers with an error.
func nodeError(network string, err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return err
	}
	var re *rpcError
	var he *errHTTP
	switch {
	case errors.As(err, &re):
		return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node answered with an error", network)}).Wrap(err)
	case errors.As(err, &he):
		return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node answered HTTP %d", network, he.status)}).Wrap(err)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return (&apierr.Error{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf("the %s node is unavailable", network),
			RetryAfter: time.Second}).Wrap(err)
	}
	return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node failed", network)}).Wrap(err)
}

// noNode is the 400 for a network without a node.
func noNode(network string) error {
	return apierr.BadRequest("network %s has no node: start custos with --rpc %s=URL to send from its wallets", network, network)
}
