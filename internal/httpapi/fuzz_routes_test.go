package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/httpapi"
	"github.com/custos-dev/custos/internal/pemkey"
)

// TestFuzzRoutes (issue 8) sends mutated requests to every route of the
// route table, with a valid bearer and, on signed routes, a valid user
// action signed over the exact mutated body, so that the requests reach
// the handlers: path wildcards get ids of existing objects, of another
// organisation's objects and garbage; bodies are structure-aware mutations
// of valid base bodies (fuzz_mutate_test.go). Three in four requests are
// made by the admin service account (or, for a user's own PATs, the root
// user), one in four by a user holding only Wallets:Read and Keys:Read.
//
// No response may be a 5xx (but the 501 of the Dfns-only areas, the
// route table's method-less patterns), no ERROR may be logged (a panic
// logs one), every error has the Dfns shape with its HTTP status, and every
// 2xx is JSON.
//
// Environment (each optional):
//
//	CUSTOS_FUZZ_SEED=n   replay a run: its seed is printed first
//	CUSTOS_FUZZ_N=n      requests per route (default 60; the 501 areas get a quarter)
//	CUSTOS_FUZZ_ROUTE=s  only the routes whose pattern contains s
//
// It sends 1,000–3,000 requests a second on 2 cores. A longer run (about
// 175,000 requests, 1–3 minutes):
//
//	CUSTOS_FUZZ_N=2000 go test ./internal/httpapi -run TestFuzzRoutes -timeout 1h -v
func TestFuzzRoutes(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CUSTOS_FUZZ_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CUSTOS_FUZZ_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with CUSTOS_FUZZ_SEED=%d)", seed, seed)
	n := 60
	if s := os.Getenv("CUSTOS_FUZZ_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("CUSTOS_FUZZ_N must be a positive integer")
		}
		n = v
	}
	r := runRouteFuzz(t, seed, n, os.Getenv("CUSTOS_FUZZ_ROUTE"))
	r.report(t)
}

// fuzzRun is one run of the route fuzzer.
type fuzzRun struct {
	w     *fuzzWorld
	hc    *http.Client
	seed  uint64
	stats map[string]map[int]int // pattern → status → count
	fails []string
	total int
	// signed lists the signed routes run: most of their requests must
	// pass the user-action check, or the fuzzer tests nothing behind it.
	signed  []string
	refused map[string]int // signed pattern → 401s and refused user actions
	logs    *errorLines
}

func runRouteFuzz(t *testing.T, seed uint64, n int, only string) *fuzzRun {
	logs := &errorLines{}
	env := apitest.New(t, apitest.LogTo(logs))
	w := newFuzzWorld(t, env)
	hc := *env.HTTP
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	f := &fuzzRun{w: w, hc: &hc, seed: seed, stats: map[string]map[int]int{}, refused: map[string]int{}, logs: logs}
	routes := env.App.Handler.(*httpapi.Server).Routes()
	// Deletions last, so that the other routes see the objects alive.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasPrefix(routes[i].Pattern, "DELETE ") && strings.HasPrefix(routes[j].Pattern, "DELETE ")
	})
	for _, rt := range routes {
		if only != "" && !strings.Contains(rt.Pattern, only) {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(rt.Pattern))
		rng := rand.New(rand.NewPCG(seed, h.Sum64()))
		count := n
		if !strings.Contains(rt.Pattern, " ") && rt.Pattern != "/" {
			count = max(1, n/4)
		}
		f.stats[rt.Pattern] = map[int]int{}
		if rt.Signed {
			f.signed = append(f.signed, rt.Pattern)
		}
		for i := range count {
			f.one(t, rng, rt, i)
		}
		if rt.Pattern == "PUT /auth/logout" {
			// allSessions may have ended the low user's session too.
			if l, err := w.freshLogin(w.low); err == nil {
				w.low = l
			}
		}
	}
	return f
}

// one sends the i-th request of route rt.
func (f *fuzzRun) one(t *testing.T, rng *rand.Rand, rt httpapi.RouteInfo, i int) {
	w := f.w
	method, pp, hasMethod := strings.Cut(rt.Pattern, " ")
	if !hasMethod {
		method, pp = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}[rng.IntN(5)], rt.Pattern
	}
	path := f.fill(rng, pp, hasMethod)
	who, name := f.caller(rng, rt)
	var body []byte
	if method == http.MethodGet && rng.IntN(8) > 0 {
		path += fuzzQuery(rng, w.words, w.pageTokens)
	} else {
		m := &mutator{rng: rng, words: w.words}
		body = m.body(f.base(rng, rt.Pattern, who))
	}
	desc := func() string {
		b := string(body)
		if len(b) > 400 {
			b = b[:400] + "…"
		}
		return fmt.Sprintf("%s #%d as %s: %s %s %s", rt.Pattern, i, name, method, path, b)
	}
	// One write in ten races a twin: the same request with its own user
	// action, at the same time.
	copies := 1
	if method != http.MethodGet && rng.IntN(10) == 0 {
		copies = 2
	}
	toks := make([]string, copies)
	if rt.Signed && who != nil {
		for c := range toks {
			var err error
			if toks[c], err = actionToken(ctx, who, method, path, body); apitest.Status(err) >= 500 || apitest.Status(err) == -1 {
				f.fail("signing %s: %v", desc(), err)
			}
		}
	}
	if rng.IntN(25) == 0 && len(body) > 0 {
		body = looseBody(rng, body) // not strict JSON: a 400 before anything else
	}
	h := http.Header{}
	if who != nil {
		h.Set("Authorization", "Bearer "+who.AuthToken)
	}
	f.headers(rng, h)
	for _, a := range f.sendAll(method, path, body, h, toks) {
		if a.err != nil {
			t.Fatalf("%s: %v", desc(), a.err)
		}
		f.total++
		f.stats[rt.Pattern][a.status]++
		f.check(rt, hasMethod, a.status, a.resp, desc)
		f.harvest(a.resp)
	}
}

// caller picks who sends a request of rt (nil: no bearer) and names it.
func (f *fuzzRun) caller(rng *rand.Rand, rt httpapi.RouteInfo) (*apitest.Identity, string) {
	w := f.w
	switch {
	case rt.Public:
		return nil, "nobody"
	case rt.Pattern == "POST /auth/action":
		return w.victim, "victim"
	case rng.IntN(4) == 0:
		return w.low, "low"
	case rt.Pattern == "PUT /auth/logout":
		if l, err := w.freshLogin(w.leaver); err == nil {
			return l, "leaver"
		}
		return w.low, "low"
	case w.rootRoutes[rt.Pattern]:
		return w.root, "root"
	}
	return w.sa, "sa"
}

// base returns a valid body for rt: a fresh one with a live challenge for
// the routes completing one, else one of the route's base bodies ("{}"
// when it has none).
func (f *fuzzRun) base(rng *rand.Rand, pattern string, who *apitest.Identity) []byte {
	w := f.w
	q := func(v any) []byte { b, _ := json.Marshal(v); return b }
	if rng.IntN(2) == 0 {
		switch pattern {
		case "POST /auth/action":
			if ch, err := w.victim.ActionInit(ctx, "POST", "/wallets", []byte("{}")); err == nil {
				if a, err := w.victim.Signer.Sign(ctx, ch); err == nil {
					return q(map[string]any{"challengeIdentifier": ch.ChallengeIdentifier, "firstFactor": a})
				}
			}
		case "POST /auth/login":
			var ch client.Challenge
			in := map[string]string{"username": w.victimName, "orgId": w.env.Admin.OrgID}
			if err := client.New(w.env.URL, "", nil).Do(ctx, "POST", "/auth/login/init", in, &ch); err == nil {
				if a, err := w.victim.Signer.Sign(ctx, &ch); err == nil {
					return q(map[string]any{"challengeIdentifier": ch.ChallengeIdentifier, "firstFactor": a})
				}
			}
		case "POST /auth/credentials":
			var ch client.Challenge
			if err := who.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Key"}, &ch); err == nil {
				k, err := pemkey.Generate(pemkey.Ed25519)
				if err == nil {
					s := &client.KeySigner{CredID: fmt.Sprintf("fz-%d", rng.Uint64()), Key: k}
					if info, err := s.Attest(ch.Challenge); err == nil {
						return q(map[string]any{"challengeIdentifier": ch.ChallengeIdentifier, "credentialKind": "Key",
							"credentialName": "fuzz", "credentialInfo": info})
					}
				}
			}
		}
	}
	if b := w.bases[pattern]; len(b) > 0 {
		return []byte(b[rng.IntN(len(b))])
	}
	return []byte("{}")
}

// fill replaces the wildcards of pattern path pp: an id of an existing
// object of the kind the previous segment names (half the time), of the
// other organisation, of another kind, or garbage. A method-less pattern
// gets a random tail.
func (f *fuzzRun) fill(rng *rand.Rand, pp string, hasMethod bool) string {
	segs := strings.Split(pp, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") || i == 0 {
			continue
		}
		kind := segs[i-1]
		own, other := f.w.ids[kind], f.w.other[kind]
		switch k := rng.IntN(10); {
		case k < 5 && len(own) > 0:
			segs[i] = own[rng.IntN(len(own))]
		case k < 7 && len(other) > 0:
			segs[i] = other[rng.IntN(len(other))]
		case k < 8:
			all := f.w.words
			segs[i] = urlSegment(all[rng.IntN(len(all))])
		default:
			segs[i] = garbageSegment(rng)
		}
	}
	path := strings.Join(segs, "/")
	if !hasMethod && (strings.HasSuffix(path, "/") || rng.IntN(2) == 0) {
		path = strings.TrimSuffix(path, "/") + "/" + garbageSegment(rng)
	}
	return path
}

// check asserts the invariants of one response.
func (f *fuzzRun) check(rt httpapi.RouteInfo, hasMethod bool, status int, resp []byte, desc func() string) {
	notProvided := !hasMethod && rt.Pattern != "/"
	if status >= 500 && !(status == http.StatusNotImplemented && notProvided) {
		f.fail("%d %s\n\tresponse: %.300s", status, desc(), resp)
	}
	switch {
	case status == http.StatusRequestHeaderFieldsTooLarge:
		// net/http answers it, before any handler, to headers over the
		// server's MaxHeaderBytes (internal/app).
	case status >= 400:
		var e struct {
			Error *struct {
				ID      *string `json:"id"`
				Status  *int    `json:"status"`
				Message *string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(resp, &e); err != nil || e.Error == nil || e.Error.ID == nil || *e.Error.ID == "" ||
			e.Error.Status == nil || *e.Error.Status != status || e.Error.Message == nil || *e.Error.Message == "" {
			f.fail("%d not in the Dfns error shape: %s\n\tresponse: %.300s", status, desc(), resp)
			return
		}
		if rt.Signed && (status == http.StatusUnauthorized ||
			status == auth.ErrActionInvalid.Status && *e.Error.Message == auth.ErrActionInvalid.Message) {
			f.refused[rt.Pattern]++
		}
	case status >= 200 && status < 300:
		if !json.Valid(resp) && rt.Pattern != "GET /app/" { // the page's HTML and script
			f.fail("%d is not JSON: %s\n\tresponse: %.300s", status, desc(), resp)
		}
	}
}

func (f *fuzzRun) fail(format string, args ...any) {
	f.fails = append(f.fails, fmt.Sprintf(format, args...))
}

func (f *fuzzRun) send(method, path string, body []byte, h http.Header, action string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, f.w.env.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	if action != "" {
		req.Header.Set("X-DFNS-USERACTION", action)
	}
	res, err := f.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

// report logs the requests per route and in total, then fails the test
// with the findings.
func (f *fuzzRun) report(t *testing.T) {
	t.Helper()
	patterns := make([]string, 0, len(f.stats))
	for p := range f.stats {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		var classes [6]int
		n := 0
		for s, c := range f.stats[p] {
			classes[min(s/100, 5)] += c
			n += c
		}
		t.Logf("%-52s %4d requests: 2xx %d, 3xx %d, 4xx %d (401 or action refused %d), 5xx %d (501 %d)", p, n,
			classes[2], classes[3], classes[4], f.stats[p][401]+f.refused[p], classes[5], f.stats[p][501])
	}
	t.Logf("total: %d requests over %d routes, %d findings, %d ERROR log lines (seed %d)", f.total, len(patterns),
		len(f.fails), f.logs.count(), f.seed)
	for _, p := range f.signed {
		n := 0
		for _, c := range f.stats[p] {
			n += c
		}
		if n >= 20 && f.refused[p]*2 > n {
			t.Errorf("%s: %d of %d requests refused before the user action passed", p, f.refused[p], n)
		}
	}
	for i, s := range f.fails {
		if i == 30 {
			t.Errorf("… and %d more", len(f.fails)-30)
			break
		}
		t.Errorf("%s", s)
	}
	if n, lines := f.logs.count(), f.logs.first(); n > 0 {
		t.Errorf("%d ERROR lines logged, the first: %s", n, strings.Join(lines, "\n"))
	}
}

// answer is what one request of sendAll got.
type answer struct {
	status int
	resp   []byte
	err    error
}

// sendAll sends the same request once per user action token in toks, all
// at the same time, and returns the answers in order.
func (f *fuzzRun) sendAll(method, path string, body []byte, h http.Header, toks []string) []answer {
	answers := make([]answer, len(toks))
	var wg sync.WaitGroup
	for i := range toks {
		wg.Go(func() {
			a := &answers[i]
			a.status, a.resp, a.err = f.send(method, path, body, h, toks[i])
		})
	}
	wg.Wait()
	return answers
}
