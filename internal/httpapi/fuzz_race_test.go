package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/httpapi"
)

// TestFuzzRouteRaces sends every signed write with a valid body as four
// identical requests at once, each with its own user action (so all four
// reach the handler), twice: the first round creates, the second finds
// what the first made. Names, emails and externalIds are fresh in each
// round, so creations race on the same unique values. Whatever wins, no
// answer may be a 5xx and no ERROR may be logged.
func TestFuzzRouteRaces(t *testing.T) {
	logs := &errorLines{}
	env := apitest.New(t, apitest.LogTo(logs))
	w := newFuzzWorld(t, env)
	hc := *env.HTTP
	f := &fuzzRun{w: w, hc: &hc, stats: map[string]map[int]int{}, refused: map[string]int{}, logs: logs}
	const twins = 4
	for round := range 2 {
		for ri, rt := range env.App.Handler.(*httpapi.Server).Routes() {
			method, pp, _ := strings.Cut(rt.Pattern, " ")
			bases := w.bases[rt.Pattern]
			if !rt.Signed || len(bases) == 0 || strings.HasPrefix(rt.Pattern, "DELETE ") {
				continue
			}
			if f.stats[rt.Pattern] == nil {
				f.stats[rt.Pattern] = map[int]int{}
			}
			who := w.sa
			if w.rootRoutes[rt.Pattern] {
				who = w.root
			}
			path := raceFill(w, pp)
			body := freshen(bases[0], fmt.Sprintf("race-%d-%d", round, ri))
			h := http.Header{"Authorization": {"Bearer " + who.AuthToken}}
			toks := make([]string, twins)
			for i := range toks {
				tok, err := actionToken(ctx, who, method, path, body)
				if err != nil {
					t.Fatalf("%s: sign: %v", rt.Pattern, err)
				}
				toks[i] = tok
			}
			for _, a := range f.sendAll(method, path, body, h, toks) {
				if a.err != nil {
					t.Fatalf("%s: %v", rt.Pattern, a.err)
				}
				f.total++
				f.stats[rt.Pattern][a.status]++
				f.check(rt, true, a.status, a.resp, func() string { return fmt.Sprintf("%s %s %s", method, path, body) })
			}
		}
	}
	f.report(t)
}

// raceFill puts the first id of its kind in each wildcard of pp.
func raceFill(w *fuzzWorld, pp string) string {
	segs := strings.Split(pp, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && i > 0 && len(w.ids[segs[i-1]]) > 0 {
			segs[i] = w.ids[segs[i-1]][0]
		}
	}
	return strings.Join(segs, "/")
}

// freshen returns base with its name, email and externalId values made
// unique by tag.
func freshen(base, tag string) []byte {
	v := decodeNumbers([]byte(base))
	if o, ok := v.(map[string]any); ok {
		for _, k := range []string{"name", "externalId", "credentialName"} {
			if _, ok := o[k].(string); ok {
				o[k] = tag + "-" + k
			}
		}
		if _, ok := o["email"].(string); ok {
			o["email"] = tag + "@example.com"
		}
	}
	b, _ := json.Marshal(v)
	return b
}
