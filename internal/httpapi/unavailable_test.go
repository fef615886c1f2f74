package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A 503 (the database cannot be reached) tells clients when to retry, in
// the Dfns error shape.
func TestUnavailableSaysWhenToRetry(t *testing.T) {
	s := New(Deps{Ready: func(context.Context) error { return errors.New("database down") }})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz: %d, want 503", rec.Code)
	}
	if got := rec.Header().Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1", got)
	}
	var body struct {
		Error struct {
			ID      string `json:"id"`
			Status  int    `json:"status"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Status != 503 || body.Error.Message == "" {
		t.Fatalf("body not in the Dfns error shape (%v): %s", err, rec.Body.String())
	}
}
