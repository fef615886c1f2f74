package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// Every signed route consumes its user action in the unit of work that
// stores what it authorised (serveSigned, store.Run). These tests hold
// that path to its promises: once, for its request, from an active
// credential, and nothing answered or stored otherwise.

func hashBody(b byte) string {
	return `{"kind":"Hash","hash":"0x` + strings.Repeat(string("0123456789abcdef"[b%16])+"1", 32) + `"}`
}

func storedSignatures(t *testing.T, id *apitest.Identity, keyID string) int {
	t.Helper()
	var l listJSON[sigReqJSON]
	expect(t, id.Do(bg, "GET", "/keys/"+keyID+"/signatures?limit=100", nil, &l), 0)
	return len(l.Items)
}

func TestSignatureActionConsumedWithWrite(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	k := createKey(t, sa, map[string]any{"scheme": "EdDSA", "curve": "ed25519"})
	path := "/keys/" + k.ID + "/signatures"
	use := func(tok, body string) error {
		return sa.DoWithAction(bg, "POST", path, []byte(body), tok, nil)
	}

	t.Run("replay", func(t *testing.T) {
		before := storedSignatures(t, sa, k.ID)
		tok := signedAction(t, sa, "POST", path, hashBody(1))
		expect(t, use(tok, hashBody(1)), 0)
		err := use(tok, hashBody(1))
		expect(t, err, http.StatusBadRequest)
		if !strings.Contains(err.Error(), "already been used") {
			t.Fatalf("replay: %v", err)
		}
		if n := storedSignatures(t, sa, k.ID); n != before+1 {
			t.Fatalf("%d requests stored, want %d", n, before+1)
		}
	})

	t.Run("racing replays", func(t *testing.T) {
		before := storedSignatures(t, sa, k.ID)
		tok := signedAction(t, sa, "POST", path, hashBody(2))
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				err := use(tok, hashBody(2))
				switch apitest.Status(err) {
				case 0:
					ok.Add(1)
				case http.StatusBadRequest:
				default:
					t.Errorf("racing use: %v", err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d racing uses succeeded, want 1", ok.Load())
		}
		if n := storedSignatures(t, sa, k.ID); n != before+1 {
			t.Fatalf("%d requests stored, want %d", n, before+1)
		}
	})

	t.Run("rejected input burns the action", func(t *testing.T) {
		bad := `{"kind":"Hash","hash":"0x1234"}`
		tok := signedAction(t, sa, "POST", path, bad)
		expect(t, use(tok, bad), http.StatusBadRequest)
		err := use(tok, bad)
		if err == nil || !strings.Contains(err.Error(), "already been used") {
			t.Fatalf("second use of a burnt action: %v", err)
		}
	})

	t.Run("other body", func(t *testing.T) {
		before := storedSignatures(t, sa, k.ID)
		tok := signedAction(t, sa, "POST", path, hashBody(3))
		expect(t, use(tok, hashBody(4)), http.StatusForbidden)
		// Shown with the wrong body, it is burnt for the right one too.
		expect(t, use(tok, hashBody(3)), http.StatusBadRequest)
		if n := storedSignatures(t, sa, k.ID); n != before {
			t.Fatalf("%d requests stored, want %d", n, before)
		}
	})

	t.Run("externalId replay still consumes", func(t *testing.T) {
		body := `{"kind":"Hash","hash":"0x` + strings.Repeat("ab", 32) + `","externalId":"consume-1"}`
		expect(t, sa.Do(bg, "POST", path, json.RawMessage(body), nil), 0)
		// A fresh action for the same body gets the stored request back
		// without writing; the action is consumed all the same.
		tok := signedAction(t, sa, "POST", path, body)
		expect(t, use(tok, body), 0)
		expect(t, use(tok, body), http.StatusBadRequest)
		// Racing uses of one token on that path: one answer only. The
		// racers start together, so several pass the check before any
		// consumes.
		for round := range 5 {
			tok = signedAction(t, sa, "POST", path, body)
			var ok atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 16 {
				wg.Go(func() {
					<-start
					if use(tok, body) == nil {
						ok.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			if ok.Load() != 1 {
				t.Fatalf("round %d: %d racing uses answered, want 1", round, ok.Load())
			}
		}
	})
}

func TestSignatureActionNeedsActiveCredential(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	alice := env.User(t, pemkey.Ed25519, "Keys:Create", "Keys:Signatures:Create", "Keys:Signatures:Read")
	second, uuid := addKeyCredential(t, alice, pemkey.P256)
	k := createKey(t, alice, map[string]any{"scheme": "EdDSA", "curve": "ed25519"})
	path := "/keys/" + k.ID + "/signatures"

	// A token made with the second credential, which is then deactivated
	// before the token is used.
	ch, err := alice.ActionInit(bg, "POST", path, []byte(hashBody(5)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := second.Sign(bg, ch)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := alice.ActionComplete(bg, ch.ChallengeIdentifier, a)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, alice.Do(bg, "PUT", "/auth/credentials/deactivate", map[string]string{"credentialUuid": uuid}, nil), 0)
	expect(t, alice.DoWithAction(bg, "POST", path, []byte(hashBody(5)), tok, nil), http.StatusForbidden)
	if n := storedSignatures(t, alice, k.ID); n != 0 {
		t.Fatalf("%d requests stored with a deactivated credential's action", n)
	}
}

func TestSignatureActionNeedsPermission(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	k := createKey(t, sa, map[string]any{"scheme": "EdDSA", "curve": "ed25519"})
	bob := env.User(t, pemkey.Ed25519)
	path := "/keys/" + k.ID + "/signatures"
	tok := signedAction(t, bob, "POST", path, hashBody(6))
	expect(t, bob.DoWithAction(bg, "POST", path, []byte(hashBody(6)), tok, nil), http.StatusForbidden)
	if n := storedSignatures(t, sa, k.ID); n != 0 {
		t.Fatalf("%d requests stored without the permission", n)
	}
}

// creation is a signed creation route: the body that creates an object
// named marker, a body the service rejects, and how to count the objects
// named marker.
type creation struct {
	path      string
	ops       []string // what a user needs to use it
	body, bad func(marker string) string
	list      string // GET path listing the objects
	name      func(item map[string]any) string
	unique    bool // the database refuses a second object of the same name
}

func jsonBody(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func field(k string) func(map[string]any) string {
	return func(m map[string]any) string { s, _ := m[k].(string); return s }
}

var saPublicKey = func() string {
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		panic(err)
	}
	return k.Public().MarshalPEM()
}()

var creations = []creation{{
	path: "/wallets", ops: []string{"Wallets:Create", "Wallets:Read"},
	body: func(m string) string { return jsonBody(map[string]any{"network": "EthereumSepolia", "name": m}) },
	bad:  func(m string) string { return jsonBody(map[string]any{"network": "NoSuchNetwork", "name": m}) },
	list: "/wallets?limit=100", name: field("name"),
}, {
	path: "/auth/users", ops: []string{"Auth:Users:Create", "Auth:Users:Read"},
	body: func(m string) string {
		return jsonBody(map[string]any{"email": m + "@example.com", "kind": "CustomerEmployee"})
	},
	bad:  func(m string) string { return jsonBody(map[string]any{"email": m, "kind": "CustomerEmployee"}) },
	list: "/auth/users?limit=100", unique: true,
	name: func(it map[string]any) string { return strings.TrimSuffix(field("username")(it), "@example.com") },
}, {
	path: "/auth/service-accounts", ops: []string{"Auth:ServiceAccounts:Create", "Auth:ServiceAccounts:Read"},
	body: func(m string) string { return jsonBody(map[string]any{"name": m, "publicKey": saPublicKey}) },
	bad:  func(m string) string { return jsonBody(map[string]any{"name": m, "publicKey": "not a key"}) },
	list: "/auth/service-accounts", unique: true,
	name: func(it map[string]any) string { u, _ := it["userInfo"].(map[string]any); return field("name")(u) },
}, {
	path: "/permissions", ops: []string{"Permissions:Create", "Permissions:Read"},
	body: permBody,
	bad:  func(m string) string { return `{"name":"` + m + `","operations":["No:Such:Operation"]}` },
	list: "/permissions?limit=100", name: field("name"), unique: true,
}}

// objects counts the objects named marker that c's list shows.
func (c creation) objects(t *testing.T, id *apitest.Identity, marker string) int {
	t.Helper()
	var l listJSON[map[string]any]
	expect(t, id.Do(bg, "GET", c.list, nil, &l), 0)
	n := 0
	for _, it := range l.Items {
		if c.name(it) == marker {
			n++
		}
	}
	return n
}

// TestCreationActionConsumedWithWrite holds the creation routes to the
// promises above: a replay, racing replays, a rejected request, a token
// shown with another body and one whose credential was deactivated give
// one object or none, and the token is spent.
func TestCreationActionConsumedWithWrite(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	for i, c := range creations {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			marker := func(what string) string { return fmt.Sprintf("consume-%d-%s", i, what) }
			use := func(tok, body string) error { return sa.DoWithAction(bg, "POST", c.path, []byte(body), tok, nil) }
			wantObjects := func(m string, want int) {
				t.Helper()
				if n := c.objects(t, sa, m); n != want {
					t.Fatalf("%d objects named %s, want %d", n, m, want)
				}
			}

			m := marker("replay")
			tok := signedAction(t, sa, "POST", c.path, c.body(m))
			expect(t, use(tok, c.body(m)), 0)
			err := use(tok, c.body(m))
			expect(t, err, http.StatusBadRequest)
			if !strings.Contains(err.Error(), "already been used") {
				t.Fatalf("replay: %v", err)
			}
			wantObjects(m, 1)

			if c.unique {
				// Refused by the database inside the unit that consumed
				// the action: the unit rolls back, the action is burnt.
				tok := signedAction(t, sa, "POST", c.path, c.body(m))
				expect(t, use(tok, c.body(m)), http.StatusConflict)
				expect(t, use(tok, c.body(m)), http.StatusBadRequest)
				wantObjects(m, 1)
			}

			for round := range 3 {
				m := marker(fmt.Sprintf("race%d", round))
				tok := signedAction(t, sa, "POST", c.path, c.body(m))
				var ok atomic.Int32
				var wg sync.WaitGroup
				start := make(chan struct{})
				for range 8 {
					wg.Go(func() {
						<-start
						switch err := use(tok, c.body(m)); apitest.Status(err) {
						case 0:
							ok.Add(1)
						case http.StatusBadRequest:
						default:
							t.Errorf("racing use: %v", err)
						}
					})
				}
				close(start)
				wg.Wait()
				if ok.Load() != 1 {
					t.Fatalf("round %d: %d racing uses succeeded, want 1", round, ok.Load())
				}
				wantObjects(m, 1)
			}

			m = marker("rejected")
			tok = signedAction(t, sa, "POST", c.path, c.bad(m))
			expect(t, use(tok, c.bad(m)), http.StatusBadRequest)
			if err := use(tok, c.bad(m)); err == nil || !strings.Contains(err.Error(), "already been used") {
				t.Fatalf("second use of a rejected request's action: %v", err)
			}

			m = marker("other")
			tok = signedAction(t, sa, "POST", c.path, c.body(m))
			expect(t, use(tok, c.body(m+"x")), http.StatusForbidden)
			expect(t, use(tok, c.body(m)), http.StatusBadRequest)
			wantObjects(m, 0)
			wantObjects(m+"x", 0)
		})
	}
}

// TestCreationActionNeedsActiveCredential: an action signed by a
// credential deactivated before it is used creates nothing.
func TestCreationActionNeedsActiveCredential(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	var ops []string
	for _, c := range creations {
		ops = append(ops, c.ops...)
	}
	alice := env.User(t, pemkey.Ed25519, ops...)
	second, uuid := addKeyCredential(t, alice, pemkey.P256)
	toks := make([]string, len(creations))
	for i, c := range creations {
		body := c.body(fmt.Sprintf("inactive-%d", i))
		ch, err := alice.ActionInit(bg, "POST", c.path, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		a, err := second.Sign(bg, ch)
		if err != nil {
			t.Fatal(err)
		}
		if toks[i], err = alice.ActionComplete(bg, ch.ChallengeIdentifier, a); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, alice.Do(bg, "PUT", "/auth/credentials/deactivate", map[string]string{"credentialUuid": uuid}, nil), 0)
	for i, c := range creations {
		m := fmt.Sprintf("inactive-%d", i)
		expect(t, alice.DoWithAction(bg, "POST", c.path, []byte(c.body(m)), toks[i], nil), http.StatusForbidden)
		if n := c.objects(t, alice, m); n != 0 {
			t.Fatalf("%s: %d objects stored with a deactivated credential's action", c.path, n)
		}
	}
}
