package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/store"
)

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// errDBUnavailable answers a request that failed because the database
// could not be reached (store.Unavailable): the caller may retry once it
// is back, which the server notices by itself (no restart).
var errDBUnavailable = &apierr.Error{Status: http.StatusServiceUnavailable,
	Message: "database unavailable, retry later"}

// writeError is the one place where an error becomes an HTTP response.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	// A governed change held for approval is answered 202 with its change
	// request (docs/protocol/policies.md §3).
	var pending *policy.PendingError
	if errors.As(err, &pending) {
		_ = writeJSON(w, http.StatusAccepted, pending.Request)
		return
	}
	e := apierr.From(err)
	// A failure to reach the database is a 503 wherever it surfaced: a
	// 500, or a 401/404 whose check could not read what it checks.
	if e.Status != http.StatusServiceUnavailable && store.Unavailable(err) {
		e = errDBUnavailable.Wrap(err)
	}
	ri := info(r)
	// Only server faults are errors. A client can cause any number of
	// 4xx and 501 (Dfns-only areas) answers, so they stay at DEBUG (the
	// access log line at INFO has the status).
	switch {
	case e.Status >= 500 && e.Status != http.StatusNotImplemented:
		s.Logger.Error("request failed", "request_id", ri.id, "error", err.Error())
	case e.Status == http.StatusNotImplemented:
		s.Logger.Debug("request not implemented", "request_id", ri.id, "error", e.Message)
	case e.Err != nil:
		s.Logger.Debug("request rejected", "request_id", ri.id, "status", e.Status, "cause", e.Err.Error())
	}
	switch {
	case e.RetryAfter > 0:
		w.Header().Set("Retry-After", strconv.FormatInt(apierr.RetryAfterSeconds(e.RetryAfter), 10))
	case e.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "60")
	case e.Status == http.StatusServiceUnavailable:
		// The server recovers by itself once the database is back.
		w.Header().Set("Retry-After", "1")
	}
	_ = writeJSON(w, e.Status, e.ToBody(ri.id))
}

// readJSON decodes the request body into v. An empty body decodes as {}.
// Type errors name the field.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return apierr.BadRequest("could not read request body")
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				return apierr.BadRequest("request body must be a JSON object")
			}
			return apierr.BadRequest("%s: must be of type %s, not %s", field, jsonType(te.Type.Kind().String()), te.Value)
		case errors.As(err, &se):
			return apierr.BadRequest("request body is not valid JSON (at byte %d)", se.Offset)
		default:
			var ae *apierr.Error
			if errors.As(err, &ae) {
				return ae
			}
			return apierr.BadRequest("request body is not valid JSON: %v", err)
		}
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	default:
		return "number"
	}
}

// page reads limit and paginationToken from the query.
func page(r *http.Request) (identity.Page, error) {
	q := r.URL.Query()
	p := identity.Page{Token: q.Get("paginationToken")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return p, apierr.BadRequest("limit must be a non-negative integer")
		}
		p.Limit = n
	}
	if len(p.Token) > 200 {
		return p, apierr.BadRequest("paginationToken is not valid")
	}
	return p, nil
}

// list is the paginated list body {items, nextPageToken?}.
type list[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"nextPageToken,omitempty"`
}

func listOf[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextPageToken: next}
}

// reply writes v as a 200 JSON body unless err is set.
func reply[T any](w http.ResponseWriter, v T, err error) error {
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
