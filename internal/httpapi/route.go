package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// handlerFunc is a handler that returns its error for one place to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table.
type route struct {
	pattern string
	op      string // operation the caller needs, "" for none
	// signed routes need X-DFNS-USERACTION: the checked user action goes
	// to the handler (actionOf), whose service consumes it in the unit of
	// work that stores what it authorised (see serveSigned).
	signed bool
	public bool // no bearer token
}

type routeOpt func(*route)

// RouteInfo describes one entry of the route table, for tests that must
// cover every route (a new route is then covered automatically).
type RouteInfo struct {
	Pattern string // "METHOD /path" or "/path"
	Op      string // permission operation, "" for none
	Signed  bool   // needs a user action signature
	Public  bool   // needs no bearer token
}

// Routes lists the route table in registration order.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.table))
	for _, rt := range s.table {
		out = append(out, RouteInfo{Pattern: rt.pattern, Op: rt.op, Signed: rt.signed, Public: rt.public})
	}
	return out
}

// needs names the permission operation a route requires.
func needs(op string) routeOpt { return func(r *route) { r.op = op } }

// signed marks a route that needs a user action signature. Its handler
// passes the action (actionOf) to the service that writes what it
// authorised, which consumes it in the same unit of work; the response is
// held until it is consumed.
func signed(r *route) { r.signed = true }

// public marks a route that needs no bearer token.
func public(r *route) { r.public = true }

// handle registers h at pattern ("METHOD /path") behind the checks the
// options ask for: bearer, app id, nonce, user action, permission.
func (s *Server) handle(pattern string, h handlerFunc, opts ...routeOpt) {
	rt := route{pattern: pattern}
	for _, o := range opts {
		o(&rt)
	}
	if rt.signed && rt.public {
		panic("route " + pattern + " cannot be public and signed")
	}
	s.table = append(s.table, rt)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		info(r).route = pattern
		if err := s.serveRoute(&rt, h, w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) serveRoute(rt *route, h handlerFunc, w http.ResponseWriter, r *http.Request) error {
	if rt.public {
		// Unauthenticated endpoints are budgeted per client address.
		if err := s.limitAddr(r); err != nil {
			return err
		}
		if _, err := s.readBody(w, r); err != nil {
			return err
		}
		return h(w, r)
	}
	// Authentication comes before the body is read: a caller without a
	// valid bearer gets 401 whatever it sends.
	p, err := s.authenticate(r)
	if err != nil {
		return err
	}
	ctx := principal.With(r.Context(), p)
	r = r.WithContext(ctx)
	info(r).principal = p
	if err := s.limitPrincipal(r, p); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if rt.signed {
		return s.serveSigned(rt, h, w, r, body)
	}
	return s.authorized(rt, h, w, r)
}

func (s *Server) authorized(rt *route, h handlerFunc, w http.ResponseWriter, r *http.Request) error {
	if rt.op != "" {
		if err := s.Perms.Authorize(r.Context(), principal.From(r.Context()), rt.op); err != nil {
			return err
		}
	}
	return h(w, r)
}

// serveSigned serves a signed route: the user action is checked first (a
// wrong caller, request or an expired action is refused, and burnt, before
// the handler runs), handed to the handler (actionOf), consumed by the
// unit of work of its service or else right after the handler (rejected
// input, errors, panics, routes that write nothing: the action is burnt
// all the same), and nothing is answered until it is consumed. A token
// that cannot be consumed (used meanwhile, credential deactivated) gets
// its error instead of the handler's response, and its unit stored
// nothing.
func (s *Server) serveSigned(rt *route, h handlerFunc, w http.ResponseWriter, r *http.Request, body []byte) error {
	ctx := r.Context()
	pend, err := s.Auth.CheckAction(ctx, principal.From(ctx), r.Header.Get("X-DFNS-USERACTION"), r.Method, r.URL.EscapedPath(), body)
	if err != nil {
		s.metrics.userAction(err)
		return err
	}
	r = r.WithContext(context.WithValue(ctx, actionKey{}, pend))
	defer func() {
		// A handler that panics still burns the action (then the
		// middleware answers 500).
		if v := recover(); v != nil {
			_ = s.Auth.Settle(context.WithoutCancel(ctx), pend)
			panic(v)
		}
	}()
	held := &heldWriter{ResponseWriter: w}
	herr := s.authorized(rt, h, held, r)
	if err := s.Auth.Settle(context.WithoutCancel(ctx), pend); err != nil {
		s.metrics.userAction(err)
		return err
	}
	s.metrics.userAction(nil)
	if herr != nil {
		return herr
	}
	held.release()
	return nil
}

type actionKey struct{}

// actionOf returns the checked, unconsumed user action of a signed
// request for its service to consume, or nil.
func actionOf(r *http.Request) store.Consumer {
	if p, ok := r.Context().Value(actionKey{}).(*auth.Pending); ok && p != nil {
		return p
	}
	return nil
}

// heldWriter keeps a handler's status and body until release.
type heldWriter struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (h *heldWriter) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (h *heldWriter) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.body = append(h.body, b...)
	return len(b), nil
}

func (h *heldWriter) release() {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.ResponseWriter.WriteHeader(h.status)
	_, _ = h.ResponseWriter.Write(h.body)
}

// readBody reads the whole body (bounded) so that it can be compared with
// the signed payload, checks that it is strict JSON (checkBody), and puts
// it back for the handler.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			// 400 like every other invalid body (the contract).
			return nil, apierr.BadRequest("request body is larger than %d bytes", s.MaxBody)
		}
		return nil, apierr.BadRequest("could not read request body")
	}
	if err := checkBody(b); err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// authenticate resolves the bearer token and the legacy headers
// (docs/protocol/README.md, Decision 7).
func (s *Server) authenticate(r *http.Request) (*principal.Principal, error) {
	// The scheme name is case-insensitive (RFC 9110 §11.1).
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 8192 {
		return nil, apierr.Unauthorized("Not Authorized.")
	}
	p, err := s.Auth.Authenticate(r.Context(), token)
	if err != nil {
		return nil, err
	}
	if app := r.Header.Get("X-DFNS-APPID"); app != "" {
		if err := s.Auth.CheckApp(r.Context(), p, app); err != nil {
			return nil, err
		}
	}
	if n := r.Header.Get("X-DFNS-NONCE"); n != "" {
		if err := s.Auth.CheckNonce(r.Context(), n, time.Now()); err != nil {
			return nil, err
		}
	}
	return p, nil
}
