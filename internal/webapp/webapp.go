// Package webapp serves the page at /app/: a plain page for people (register
// with a registration code and a passkey, log in, see wallets, sign a
// message) built on the official @dfns/sdk and @dfns/sdk-browser. The
// script is bundled at build time from web/app (npm run build, esbuild)
// into static/app.js and embedded in the binary: the page loads nothing
// from elsewhere.
package webapp

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// Config is what the page learns from the server.
type Config struct {
	RPID  string `json:"rpId"`            // WebAuthn relying party id of passkeys
	OrgID string `json:"orgId,omitempty"` // prefilled organisation, if any
}

// Handler serves the page under prefix ("/app/"): its files, and
// config.json built from cfg.
func Handler(prefix string, cfg Config) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("webapp: " + err.Error())
	}
	files := http.StripPrefix(prefix, http.FileServerFS(sub))
	cfgJSON, _ := json.Marshal(cfg)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Only this origin's scripts and API; no framing.
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.TrimPrefix(r.URL.Path, prefix) == "config.json" {
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-store")
			_, _ = w.Write(cfgJSON)
			return
		}
		files.ServeHTTP(w, r)
	})
}
