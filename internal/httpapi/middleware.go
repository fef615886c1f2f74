package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
)

// reqInfo is what the outer middleware learns about a request as it runs.
type reqInfo struct {
	id        string
	route     string
	principal *principal.Principal
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i.id
	}
	return ""
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// outer wraps every request: request id, panic recovery, CORS, access log
// and metrics.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		ri := &reqInfo{id: id.New("rq")}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
		w.Header().Set("X-Request-Id", ri.id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.Logger.Error("panic", "request_id", ri.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, apierr.Internal(fmt.Errorf("panic: %v", v)))
				}
			}
			s.logRequest(r, ri, sw.status, time.Since(start))
		}()
		if s.cors(sw, r) {
			return
		}
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) logRequest(r *http.Request, ri *reqInfo, status int, d time.Duration) {
	route := ri.route
	if route == "" {
		route = "unmatched"
	}
	s.metrics.observe(route, r.Method, status, d)
	if !s.Logger.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", ri.id), slog.String("method", r.Method), slog.String("route", route),
		slog.String("path", r.URL.Path), slog.Int("status", status), slog.Duration("duration", d),
	}
	if p := ri.principal; p != nil {
		attrs = append(attrs, slog.String("org_id", p.OrgID), slog.String("user_id", p.UserID))
		if p.TokenID != "" {
			attrs = append(attrs, slog.String("token_id", p.TokenID))
		}
	}
	s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

var corsHeaders = "authorization, content-type, x-dfns-useraction, x-dfns-sdk-version, x-dfns-appid, x-dfns-nonce, x-dfns-appsecret, x-dfns-apisignature"

// cors answers preflight requests and sets CORS headers (T7) for the
// configured origins only (--cors-origin; none by default, "*" for any).
// It reports whether the request was fully answered.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	if !slices.Contains(s.AllowedOrigins, origin) && !slices.Contains(s.AllowedOrigins, "*") {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", "X-Request-Id")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
		h.Set("Access-Control-Allow-Headers", corsHeaders)
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}
