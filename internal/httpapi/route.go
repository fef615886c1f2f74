package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
)

// handlerFunc is a handler that returns its error for one place to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table.
type route struct {
	pattern string
	op      string // operation the caller needs, "" for none
	signed  bool   // needs X-DFNS-USERACTION
	public  bool   // no bearer token
}

type routeOpt func(*route)

// needs names the permission operation a route requires.
func needs(op string) routeOpt { return func(r *route) { r.op = op } }

// signed marks a route that needs a user action signature.
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
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		info(r).route = pattern
		if err := s.serveRoute(&rt, h, w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) serveRoute(rt *route, h handlerFunc, w http.ResponseWriter, r *http.Request) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if rt.public {
		return h(w, r)
	}
	p, err := s.authenticate(r)
	if err != nil {
		return err
	}
	ctx := principal.With(r.Context(), p)
	r = r.WithContext(ctx)
	info(r).principal = p
	if rt.signed {
		_, err := s.Auth.ConsumeAction(ctx, p, r.Header.Get("X-DFNS-USERACTION"), r.Method, r.URL.EscapedPath(), body)
		s.metrics.userAction(err)
		if err != nil {
			return err
		}
	}
	if rt.op != "" {
		if err := s.Perms.Authorize(ctx, p, rt.op); err != nil {
			return err
		}
	}
	return h(w, r)
}

// readBody reads the whole body (bounded) so that it can be compared with
// the signed payload, and puts it back for the handler.
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
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// authenticate resolves the bearer token and the legacy headers (Decision 7).
func (s *Server) authenticate(r *http.Request) (*principal.Principal, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" || len(token) > 8192 {
		return nil, apierr.Unauthorized("Not Authorized.")
	}
	p, err := s.Auth.Authenticate(r.Context(), strings.TrimSpace(token))
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
