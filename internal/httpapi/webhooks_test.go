package httpapi_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/webhook"
)

// allowPrivate lets the test server deliver to the test's loopback
// receivers, with the given retry schedule (nil: the default).
func allowPrivate(delays ...time.Duration) apitest.Option {
	return func(c *app.Config) {
		c.WebhookAllowPrivate = true
		if delays != nil {
			c.WebhookRetryDelays = delays
		}
	}
}

// delivery is one request a receiver got.
type delivery struct {
	Body  []byte
	Sig   string
	Event struct {
		ID              string                     `json:"id"`
		Kind            string                     `json:"kind"`
		Date            string                     `json:"date"`
		Data            map[string]json.RawMessage `json:"data"`
		TimestampSent   int64                      `json:"timestampSent"`
		DeliveryAttempt int                        `json:"deliveryAttempt"`
		RetryOf         string                     `json:"retryOf"`
	}
}

// receiver is a local webhook endpoint recording what it gets.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []delivery
	status atomic.Int32
	// arrived counts the requests that came in, finished or not.
	arrived atomic.Int32
	// hang, while set, holds requests until it is closed.
	hang atomic.Pointer[chan struct{}]
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.status.Store(200)
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.arrived.Add(1)
		if h := rc.hang.Load(); h != nil {
			select {
			case <-*h:
			case <-r.Context().Done():
				return
			}
		}
		d := delivery{Body: body, Sig: r.Header.Get("X-DFNS-WEBHOOK-SIGNATURE")}
		_ = json.Unmarshal(body, &d.Event)
		rc.mu.Lock()
		rc.got = append(rc.got, d)
		rc.mu.Unlock()
		w.WriteHeader(int(rc.status.Load()))
	}))
	t.Cleanup(func() {
		if h := rc.hang.Swap(nil); h != nil {
			close(*h)
		}
		rc.Close()
	})
	return rc
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// waitFor polls cond until it holds; it fails the test after a generous
// bound (a hang guard, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

type webhookJSON struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Status      string   `json:"status"`
	Description string   `json:"description"`
	DateCreated string   `json:"dateCreated"`
	DateUpdated string   `json:"dateUpdated"`
	Secret      *string  `json:"secret"`
}

type webhookEventJSON struct {
	ID              string         `json:"id"`
	Kind            string         `json:"kind"`
	Date            string         `json:"date"`
	Data            map[string]any `json:"data"`
	Status          string         `json:"status"`
	Error           string         `json:"error"`
	TimestampSent   int64          `json:"timestampSent"`
	DeliveryAttempt int            `json:"deliveryAttempt"`
	RetryOf         string         `json:"retryOf"`
	DeliveryFailed  bool           `json:"deliveryFailed"`
	NextAttemptDate string         `json:"nextAttemptDate"`
}

func createWebhook(t *testing.T, id *apitest.Identity, url string, events ...string) (webhookJSON, string) {
	t.Helper()
	var wh webhookJSON
	expect(t, id.Do(bg, "POST", "/webhooks", map[string]any{"url": url, "events": events, "description": "test"}, &wh), 0)
	if wh.Secret == nil || !strings.HasPrefix(*wh.Secret, "whs-") || wh.Status != "Enabled" || !strings.HasPrefix(wh.ID, "wh-") {
		t.Fatalf("created webhook %+v", wh)
	}
	return wh, *wh.Secret
}

func webhookEvents(t *testing.T, id *apitest.Identity, whID, query string) []webhookEventJSON {
	t.Helper()
	var l struct {
		Items []webhookEventJSON `json:"items"`
	}
	expect(t, id.Do(bg, "GET", "/webhooks/"+whID+"/events?limit=100"+query, nil, &l), 0)
	return l.Items
}

// attempted counts the events of a webhook whose attempt is over (an
// outcome is recorded: a status); pending ones have none.
func attempted(t *testing.T, id *apitest.Identity, whID, query string) int {
	t.Helper()
	n := 0
	for _, e := range webhookEvents(t, id, whID, query) {
		if e.Status != "" {
			n++
		}
	}
	return n
}

// verify checks a delivery's signature as the Dfns sample receiver does:
// HMAC-SHA256 under the secret over JSON.stringify of the parsed body,
// which must be the very bytes received.
func verify(t *testing.T, secret string, d delivery) {
	t.Helper()
	again, err := webhook.JSStringify(d.Body)
	if err != nil || !bytes.Equal(again, d.Body) {
		t.Fatalf("body is not in JSON.stringify form:\n%s\n%s", d.Body, again)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(again)
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); d.Sig != want {
		t.Fatalf("signature %q, want %q", d.Sig, want)
	}
}

func TestWebhookCRUD(t *testing.T) {
	env := apitest.New(t, allowPrivate())
	sa := env.SA(t)
	rc := newReceiver(t)
	wh, _ := createWebhook(t, sa, rc.URL, "wallet.created", "key.created")

	var got webhookJSON
	expect(t, sa.Do(bg, "GET", "/webhooks/"+wh.ID, nil, &got), 0)
	if got.Secret != nil || got.URL != rc.URL || len(got.Events) != 2 || got.Description != "test" {
		t.Fatalf("get %+v", got)
	}
	var l struct {
		Items []webhookJSON `json:"items"`
	}
	expect(t, sa.Do(bg, "GET", "/webhooks", nil, &l), 0)
	if len(l.Items) != 1 || l.Items[0].ID != wh.ID || l.Items[0].Secret != nil {
		t.Fatalf("list %+v", l)
	}
	expect(t, sa.Do(bg, "PUT", "/webhooks/"+wh.ID, map[string]any{"status": "Disabled", "events": []string{"*"}}, &got), 0)
	if got.Status != "Disabled" || len(got.Events) != 1 || got.Events[0] != "*" || got.URL != rc.URL {
		t.Fatalf("update %+v", got)
	}

	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"no events", map[string]any{"url": rc.URL, "events": []string{}}},
		{"unknown event", map[string]any{"url": rc.URL, "events": []string{"wallet.nope"}}},
		{"bad status", map[string]any{"url": rc.URL, "events": []string{"*"}, "status": "On"}},
		{"ftp", map[string]any{"url": "ftp://127.0.0.1/x", "events": []string{"*"}}},
		{"relative", map[string]any{"url": "/hook", "events": []string{"*"}}},
		{"credentials", map[string]any{"url": "http://u:p@127.0.0.1/", "events": []string{"*"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { expect(t, sa.Do(bg, "POST", "/webhooks", tc.body, nil), 400) })
	}
	expect(t, sa.Do(bg, "GET", "/webhooks/"+wh.ID+"/events?deliveryFailed=maybe", nil, nil), 400)

	// Another organisation sees none of it.
	other := env.OtherOrg(t)
	expect(t, other.Do(bg, "GET", "/webhooks/"+wh.ID, nil, nil), 404)
	expect(t, other.Do(bg, "GET", "/webhooks/"+wh.ID+"/events", nil, nil), 404)
	expect(t, other.Do(bg, "DELETE", "/webhooks/"+wh.ID, nil, nil), 404)

	// Permissions are the ones the spec names.
	reader := env.User(t, pemkey.Ed25519, "Webhooks:Read")
	expect(t, reader.Do(bg, "GET", "/webhooks/"+wh.ID, nil, nil), 0)
	expect(t, reader.Do(bg, "GET", "/webhooks/"+wh.ID+"/events", nil, nil), 403)
	expect(t, reader.Do(bg, "POST", "/webhooks", map[string]any{"url": rc.URL, "events": []string{"*"}}, nil), 403)
	expect(t, reader.Do(bg, "DELETE", "/webhooks/"+wh.ID, nil, nil), 403)

	var del struct {
		Deleted bool `json:"deleted"`
	}
	expect(t, sa.Do(bg, "DELETE", "/webhooks/"+wh.ID, nil, &del), 0)
	if !del.Deleted {
		t.Fatal("delete did not answer deleted:true")
	}
	expect(t, sa.Do(bg, "GET", "/webhooks/"+wh.ID, nil, nil), 404)
}

// TestWebhookRefusedAddresses: link-local and metadata addresses are
// refused always, loopback and private ones unless the operator allows
// them.
func TestWebhookRefusedAddresses(t *testing.T) {
	strict := apitest.New(t)
	lax := apitest.New(t, allowPrivate())
	always := []string{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/",
		"http://0.0.0.0:80/", "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://224.0.0.1/"}
	private := []string{"http://127.0.0.1:9/", "http://localhost:9/", "http://10.1.2.3/", "http://192.168.1.1/",
		"http://172.16.0.1/", "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/", "http://[fc00::1]/"}
	for _, u := range append(always, private...) {
		expect(t, strict.SA(t).Do(bg, "POST", "/webhooks", map[string]any{"url": u, "events": []string{"*"}}, nil), 400)
	}
	for _, u := range always {
		expect(t, lax.SA(t).Do(bg, "POST", "/webhooks", map[string]any{"url": u, "events": []string{"*"}}, nil), 400)
	}
	wh, _ := createWebhook(t, lax.SA(t), "http://127.0.0.1:9/", "*")
	expect(t, lax.SA(t).Do(bg, "PUT", "/webhooks/"+wh.ID, map[string]any{"url": "http://169.254.169.254/"}, nil), 400)
	// A public address is fine without the switch (nothing is sent).
	createWebhook(t, strict.SA(t), "https://203.0.113.7/hook", "*")
}

func TestWebhookDeliversSignedEvents(t *testing.T) {
	env := apitest.New(t, allowPrivate())
	sa := env.SA(t)
	rc := newReceiver(t)
	wh, secret := createWebhook(t, sa, rc.URL, "*")
	// A second, disabled webhook and one on other kinds get nothing.
	rc2 := newReceiver(t)
	wh2, _ := createWebhook(t, sa, rc2.URL, "*")
	expect(t, sa.Do(bg, "PUT", "/webhooks/"+wh2.ID, map[string]any{"status": "Disabled"}, nil), 0)
	createWebhook(t, sa, rc2.URL, "key.deleted")

	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia", "name": "<b>&x"})
	expect(t, sa.Do(bg, "PUT", "/wallets/"+w.ID+"/tags", map[string]any{"tags": []string{"t1"}}, nil), 0)
	sig := signWallet(t, sa, w, map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("ab", 32)})

	want := []string{"wallet.created", "wallet.tags.modified", "wallet.signature.requested", "wallet.signature.signed"}
	waitFor(t, "four deliveries", func() bool { return len(rc.deliveries()) >= len(want) })
	kinds := map[string]delivery{}
	for _, d := range rc.deliveries() {
		verify(t, secret, d)
		kinds[d.Event.Kind] = d
		if d.Event.DeliveryAttempt != 1 || d.Event.RetryOf != "" || d.Event.TimestampSent == 0 || d.Event.Date == "" {
			t.Fatalf("event %s", d.Body)
		}
	}
	for _, k := range want {
		if _, ok := kinds[k]; !ok {
			t.Fatalf("no %s event among %v", k, kinds)
		}
	}
	var wv struct {
		ID   string   `json:"id"`
		Tags []string `json:"tags"`
	}
	_ = json.Unmarshal(kinds["wallet.tags.modified"].Event.Data["wallet"], &wv)
	if wv.ID != w.ID || len(wv.Tags) != 1 || wv.Tags[0] != "t1" {
		t.Fatalf("tags event data %s", kinds["wallet.tags.modified"].Body)
	}
	var sv struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	_ = json.Unmarshal(kinds["wallet.signature.signed"].Event.Data["signatureRequest"], &sv)
	if sv.ID != sig.ID || sv.Status != "Signed" {
		t.Fatalf("signature event data %s", kinds["wallet.signature.signed"].Body)
	}
	if !bytes.Contains(kinds["wallet.created"].Body, []byte("<b>&x")) {
		t.Fatalf("wallet name not as JSON.stringify writes it: %s", kinds["wallet.created"].Body)
	}

	// The events API shows them delivered.
	waitFor(t, "delivery outcomes recorded", func() bool {
		return attempted(t, sa, wh.ID, "&deliveryFailed=false") == len(want)
	})
	evs := webhookEvents(t, sa, wh.ID, "&kind=wallet.created")
	if len(evs) != 1 || evs[0].Status != "200" || evs[0].DeliveryFailed || evs[0].ID != kinds["wallet.created"].Event.ID ||
		evs[0].Data["wallet"] == nil || evs[0].TimestampSent == 0 {
		t.Fatalf("events %+v", evs)
	}
	var one webhookEventJSON
	expect(t, sa.Do(bg, "GET", "/webhooks/"+wh.ID+"/events/"+evs[0].ID, nil, &one), 0)
	if one.ID != evs[0].ID || one.Kind != "wallet.created" {
		t.Fatalf("event %+v", one)
	}
	if n := len(rc2.deliveries()); n != 0 {
		t.Fatalf("disabled or unsubscribed webhooks got %d deliveries", n)
	}
}

func TestWebhookRetriesChainAndStop(t *testing.T) {
	env := apitest.New(t, allowPrivate(20*time.Millisecond, 40*time.Millisecond, 60*time.Millisecond))
	sa := env.SA(t)
	rc := newReceiver(t)
	rc.status.Store(500)
	wh, secret := createWebhook(t, sa, rc.URL, "wallet.created")
	createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})

	// 1 attempt + 3 retries, each a new event pointing at the previous.
	waitFor(t, "four attempts recorded", func() bool {
		return len(webhookEvents(t, sa, wh.ID, "&deliveryFailed=true")) == 4
	})
	ds := rc.deliveries()
	if len(ds) != 4 {
		t.Fatalf("%d deliveries, want 4", len(ds))
	}
	for i, d := range ds {
		verify(t, secret, d)
		if d.Event.DeliveryAttempt != i+1 || (i == 0) != (d.Event.RetryOf == "") || (i > 0 && d.Event.RetryOf != ds[i-1].Event.ID) {
			t.Fatalf("attempt %d: %s", i+1, d.Body)
		}
	}
	failed := webhookEvents(t, sa, wh.ID, "&deliveryFailed=true")
	// Ids order by time to the millisecond only: sort by attempt.
	slices.SortFunc(failed, func(a, b webhookEventJSON) int { return a.DeliveryAttempt - b.DeliveryAttempt })
	for i, e := range failed {
		if e.Status != "500" || e.Error == "" || (i < 3) != (e.NextAttemptDate != "") {
			t.Fatalf("event %d %+v", i, e)
		}
	}
	if n := len(webhookEvents(t, sa, wh.ID, "&deliveryFailed=false")); n != 0 {
		t.Fatalf("%d events not failed", n)
	}

	// Disabling stops the retries of a chain under way.
	env2 := apitest.New(t, allowPrivate(200*time.Millisecond, 400*time.Millisecond))
	sa2 := env2.SA(t)
	rc2 := newReceiver(t)
	rc2.status.Store(503)
	wh2, _ := createWebhook(t, sa2, rc2.URL, "wallet.created")
	createWallet(t, sa2, map[string]any{"network": "EthereumSepolia"})
	waitFor(t, "first attempt", func() bool { return len(rc2.deliveries()) == 1 })
	expect(t, sa2.Do(bg, "PUT", "/webhooks/"+wh2.ID, map[string]any{"status": "Disabled"}, nil), 0)
	waitFor(t, "the retry dropped", func() bool {
		evs := webhookEvents(t, sa2, wh2.ID, "&deliveryFailed=true")
		slices.SortFunc(evs, func(a, b webhookEventJSON) int { return a.DeliveryAttempt - b.DeliveryAttempt })
		return len(evs) == 2 && evs[1].Error == "the webhook is disabled"
	})
	if n := len(rc2.deliveries()); n != 1 {
		t.Fatalf("a disabled webhook got %d deliveries", n)
	}
}

func TestWebhookPing(t *testing.T) {
	env := apitest.New(t, allowPrivate())
	sa := env.SA(t)
	rc := newReceiver(t)
	wh, secret := createWebhook(t, sa, rc.URL, "*")
	var p struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	expect(t, sa.Do(bg, "POST", "/webhooks/"+wh.ID+"/ping", nil, &p), 0)
	if p.Status != "200" || p.Error != "" || len(rc.deliveries()) != 1 {
		t.Fatalf("ping %+v", p)
	}
	verify(t, secret, rc.deliveries()[0])
	rc.status.Store(503)
	expect(t, sa.Do(bg, "POST", "/webhooks/"+wh.ID+"/ping", nil, &p), 0)
	if p.Status != "503" || p.Error == "" {
		t.Fatalf("ping %+v", p)
	}
	// Nothing listens: the transport error's code.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/"
	ln.Close()
	expect(t, sa.Do(bg, "PUT", "/webhooks/"+wh.ID, map[string]any{"url": dead}, nil), 0)
	expect(t, sa.Do(bg, "POST", "/webhooks/"+wh.ID+"/ping", nil, &p), 0)
	if p.Status != "ECONNREFUSED" {
		t.Fatalf("ping %+v", p)
	}
	// Pings are not stored.
	if n := len(webhookEvents(t, sa, wh.ID, "")); n != 0 {
		t.Fatalf("%d stored events after pings", n)
	}
	expect(t, env.User(t, pemkey.Ed25519, "Webhooks:Read").Do(bg, "POST", "/webhooks/"+wh.ID+"/ping", nil, nil), 403)
}
