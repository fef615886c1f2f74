package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// Signature requests consume their user action in the transaction that
// stores them (consumedByWrite). These tests hold that path to the same
// promises as the consume-first one: once, for its request, from an
// active credential, and nothing answered or stored otherwise.

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
