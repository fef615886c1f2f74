package jsonrpc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
)

func status(err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// A call carries the dialect's version, basic auth when set, and turns the
// node's error member, an HTTP error and an unreachable node into the API
// errors the families answer with.
func TestCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Version string `json:"jsonrpc"`
			Method  string `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		user, pass, _ := r.BasicAuth()
		switch req.Method {
		case "echo":
			_ = json.NewEncoder(w).Encode(map[string]any{"result": req.Version + " " + user + ":" + pass})
		case "fail":
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": -5, "message": "no"}})
		default:
			http.Error(w, "", http.StatusTeapot)
		}
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL, User: "u", Pass: "p", HC: srv.Client(), Version: "1.0", MaxReply: 1 << 20}
	var got string
	if err := c.Call(context.Background(), &got, "echo"); err != nil || got != "1.0 u:p" {
		t.Fatalf("echo: %q %v", got, err)
	}
	err := c.Call(context.Background(), nil, "fail")
	var re *Error
	if !errors.As(err, &re) || re.Code != -5 || status(NodeError("X", err)) != http.StatusBadGateway {
		t.Fatalf("node error: %v", err)
	}
	err = c.Call(context.Background(), nil, "other")
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusTeapot || status(NodeError("X", err)) != http.StatusBadGateway {
		t.Fatalf("HTTP error: %v", err)
	}
	down := &Client{URL: "http://127.0.0.1:1", HC: http.DefaultClient, Version: "2.0", MaxReply: 1 << 20}
	if got := status(NodeError("X", down.Call(context.Background(), nil, "echo"))); got != http.StatusServiceUnavailable {
		t.Fatalf("unreachable node: %d", got)
	}
	if status(NoNode("X")) != http.StatusBadRequest {
		t.Fatal("no node")
	}
}
