// Package apierr defines the one error type the API returns and turns errors
// into the Dfns error body: {"error":{"id","status","message","details"}}.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is an error that is safe to show to the caller. Message is shown;
// Err is only logged.
type Error struct {
	Status  int
	Message string
	Details map[string]any
	Err     error
	// RetryAfter, on a 429, is how long the caller should wait; it is sent
	// as the Retry-After header (whole seconds, rounded up).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// WithDetails returns a copy of e carrying details (values must be JSON objects
// or scalars; the Go SDK decodes details as an object).
func (e *Error) WithDetails(d map[string]any) *Error {
	c := *e
	c.Details = d
	return &c
}

// Wrap returns a copy of e that logs err as its cause.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

func newf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400: the input is invalid.
func BadRequest(format string, args ...any) *Error {
	return newf(http.StatusBadRequest, format, args...)
}

// Unauthorized is a 401: the caller is not authenticated.
func Unauthorized(format string, args ...any) *Error {
	return newf(http.StatusUnauthorized, format, args...)
}

// Forbidden is a 403: the caller may not do this.
func Forbidden(format string, args ...any) *Error { return newf(http.StatusForbidden, format, args...) }

// NotFound is a 404: no such object in the caller's organisation.
func NotFound(format string, args ...any) *Error { return newf(http.StatusNotFound, format, args...) }

// Conflict is a 409.
func Conflict(format string, args ...any) *Error { return newf(http.StatusConflict, format, args...) }

// TooMany is a 429.
func TooMany(format string, args ...any) *Error {
	return newf(http.StatusTooManyRequests, format, args...)
}

// TooManyRequests is a 429 asking the caller to retry after d.
func TooManyRequests(d time.Duration, format string, args ...any) *Error {
	e := newf(http.StatusTooManyRequests, format, args...)
	e.RetryAfter = d
	return e
}

// RetryAfterSeconds is the Retry-After value of a 429 whose caller should
// wait d: whole seconds, rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) int64 {
	return max(1, int64((d+time.Second-1)/time.Second))
}

// NotImplemented is a 501: a Dfns product area this server does not provide.
func NotImplemented(format string, args ...any) *Error {
	return newf(http.StatusNotImplemented, format, args...)
}

// Internal is a 500 with a generic message; err is logged, never shown.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: "Internal Server Error", Err: err}
}

// From returns the *Error in err's chain, or a generic 500 wrapping err.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Body is the JSON error body Dfns clients parse.
type Body struct {
	Error BodyError `json:"error"`
}

// BodyError is the inner object of Body.
type BodyError struct {
	ID      string         `json:"id"`
	Status  int            `json:"status"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// ToBody renders e as the Dfns error body; id is the request id.
func (e *Error) ToBody(id string) Body {
	return Body{Error: BodyError{ID: id, Status: e.Status, Message: e.Message, Details: e.Details}}
}
