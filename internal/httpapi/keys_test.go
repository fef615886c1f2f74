package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/txscript"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

var bg = context.Background()

type keyJSON struct {
	ID           string `json:"id"`
	Scheme       string `json:"scheme"`
	Curve        string `json:"curve"`
	PublicKey    string `json:"publicKey"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	Custodial    bool   `json:"custodial"`
	DateCreated  string `json:"dateCreated"`
	DateDeleted  string `json:"dateDeleted"`
	Imported     *bool  `json:"imported"`
	Exported     *bool  `json:"exported"`
	DateExported string `json:"dateExported"`
	Wallets      []struct {
		ID      string `json:"id"`
		Network string `json:"network"`
	} `json:"wallets"`
}

type sigJSON struct {
	R       string `json:"r"`
	S       string `json:"s"`
	Recid   *int   `json:"recid"`
	Encoded string `json:"encoded"`
}

type sigReqJSON struct {
	ID          string          `json:"id"`
	KeyID       string          `json:"keyId"`
	WalletID    string          `json:"walletId"`
	Network     string          `json:"network"`
	Status      string          `json:"status"`
	ExternalID  string          `json:"externalId"`
	RequestBody json.RawMessage `json:"requestBody"`
	Requester   struct {
		UserID string `json:"userId"`
	} `json:"requester"`
	Signature     *sigJSON  `json:"signature"`
	Signatures    []sigJSON `json:"signatures"`
	SignedData    string    `json:"signedData"`
	DateRequested string    `json:"dateRequested"`
	DateSigned    string    `json:"dateSigned"`
}

type listJSON[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"nextPageToken"`
	KeyID         string `json:"keyId"`
	WalletID      string `json:"walletId"`
}

// expect fails t unless err is an API error with status want (0 = no
// error) and a Dfns error body.
func expect(t *testing.T, err error, want int) {
	t.Helper()
	if got := apitest.Status(err); got != want {
		t.Fatalf("status %d, want %d (err: %v)", got, want, err)
	}
	var e *client.Error
	if errors.As(err, &e) && (e.Body.Error.Message == "" || e.Body.Error.Status != want || e.Body.Error.ID == "") {
		t.Fatalf("error body is not the Dfns shape: %s", e.Raw)
	}
}

func createKey(t *testing.T, id *apitest.Identity, body map[string]any) keyJSON {
	t.Helper()
	var k keyJSON
	expect(t, id.Do(bg, "POST", "/keys", body, &k), 0)
	return k
}

func signKey(t *testing.T, id *apitest.Identity, keyID string, body map[string]any) sigReqJSON {
	t.Helper()
	var r sigReqJSON
	expect(t, id.Do(bg, "POST", "/keys/"+keyID+"/signatures", body, &r), 0)
	if r.Status != "Signed" || r.Signature == nil || r.KeyID != keyID || r.DateSigned == "" {
		t.Fatalf("signature request %+v", r)
	}
	return r
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatalf("%q is not hex", s)
	}
	return b
}

func rs(t *testing.T, s *sigJSON) []byte {
	return append(unhex(t, s.R), unhex(t, s.S)...)
}

func TestKeySignatures(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	digest := make([]byte, 32)
	for i := range digest {
		digest[i] = byte(i * 7)
	}
	hash := "0x" + hex.EncodeToString(digest)

	t.Run("ECDSA Hash recovers", func(t *testing.T) {
		k := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1", "name": "ec"})
		if k.Status != "Active" || !k.Custodial || len(unhex(t, k.PublicKey)) != 33 || k.Name != "ec" {
			t.Fatalf("key %+v", k)
		}
		r := signKey(t, sa, k.ID, map[string]any{"kind": "Hash", "hash": hash})
		if r.Signature.Recid == nil || r.Network != "" || r.Requester.UserID != sa.UserID {
			t.Fatalf("request %+v", r)
		}
		compact := append([]byte{byte(27 + 4 + *r.Signature.Recid)}, rs(t, r.Signature)...)
		pub, _, err := ecdsa.RecoverCompact(compact, digest)
		if err != nil || hex.EncodeToString(pub.SerializeCompressed()) != k.PublicKey {
			t.Fatalf("signature does not recover the key (%v)", err)
		}
		var got sigReqJSON
		expect(t, sa.Do(bg, "GET", "/keys/"+k.ID+"/signatures/"+r.ID, nil, &got), 0)
		if got.ID != r.ID || got.Signature.R != r.Signature.R || !strings.Contains(string(got.RequestBody), hash) ||
			got.DateRequested != r.DateRequested || got.DateSigned != r.DateSigned {
			t.Fatalf("GET returned %+v", got)
		}
		var l listJSON[sigReqJSON]
		expect(t, sa.Do(bg, "GET", "/keys/"+k.ID+"/signatures", nil, &l), 0)
		if len(l.Items) != 1 || l.KeyID != k.ID || l.Items[0].ID != r.ID {
			t.Fatalf("list %+v", l)
		}
	})
	t.Run("EdDSA Message verifies", func(t *testing.T) {
		k := createKey(t, sa, map[string]any{"scheme": "EdDSA", "curve": "ed25519"})
		msg := []byte("custos signs arbitrary ed25519 messages")
		r := signKey(t, sa, k.ID, map[string]any{"kind": "Message", "message": "0x" + hex.EncodeToString(msg)})
		if !ed25519.Verify(unhex(t, k.PublicKey), msg, rs(t, r.Signature)) {
			t.Fatal("ed25519 signature does not verify")
		}
	})
	t.Run("Schnorr Hash verifies under the taproot key", func(t *testing.T) {
		k := createKey(t, sa, map[string]any{"scheme": "Schnorr", "curve": "secp256k1"})
		r := signKey(t, sa, k.ID, map[string]any{"kind": "Hash", "hash": hash, "taprootMerkleRoot": ""})
		internal, err := btcec.ParsePubKey(unhex(t, k.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := schnorr.ParseSignature(rs(t, r.Signature))
		if err != nil || !sig.Verify(digest, txscript.ComputeTaprootKeyNoScript(internal)) {
			t.Fatalf("schnorr signature does not verify under the BIP-86 output key (%v)", err)
		}
	})
	t.Run("lifecycle", func(t *testing.T) {
		k := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})
		var got keyJSON
		expect(t, sa.Do(bg, "GET", "/keys/"+k.ID, nil, &got), 0)
		if got.ID != k.ID || got.Wallets == nil || len(got.Wallets) != 0 {
			t.Fatalf("GET key %+v", got)
		}
		var raw map[string]any
		expect(t, sa.Do(bg, "GET", "/keys/"+k.ID, nil, &raw), 0)
		if _, ok := raw["store"]; ok {
			t.Error("GET key has a store")
		}
		expect(t, sa.Do(bg, "PUT", "/keys/"+k.ID, map[string]any{"name": "renamed"}, &got), 0)
		if got.Name != "renamed" {
			t.Fatalf("name %q", got.Name)
		}
		expect(t, sa.Do(bg, "DELETE", "/keys/"+k.ID, map[string]any{}, &got), 0)
		if got.Status != "Archived" || got.DateDeleted == "" {
			t.Fatalf("deleted key %+v", got)
		}
		expect(t, sa.Do(bg, "POST", "/keys/"+k.ID+"/signatures", map[string]any{"kind": "Hash", "hash": hash}, nil), 400)
	})
	t.Run("pagination", func(t *testing.T) {
		seen := map[string]bool{}
		token := ""
		for range 20 {
			var l listJSON[keyJSON]
			expect(t, sa.Do(bg, "GET", "/keys?limit=2&paginationToken="+token, nil, &l), 0)
			for _, k := range l.Items {
				if seen[k.ID] {
					t.Fatalf("key %s listed twice", k.ID)
				}
				seen[k.ID] = true
			}
			if l.NextPageToken == "" {
				break
			}
			token = l.NextPageToken
		}
		if len(seen) < 4 {
			t.Fatalf("listed %d keys, want at least 4", len(seen))
		}
	})
}

func TestKeyBadInput(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	ec := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})
	ed := createKey(t, sa, map[string]any{"scheme": "EdDSA", "curve": "ed25519"})
	h := "0x" + strings.Repeat("ab", 32)
	unserved, unservedSays := unservedNetwork()
	for _, tc := range []struct {
		name, path string
		body       any
		want       int
		says       string
	}{
		{"bad scheme", "/keys", map[string]any{"scheme": "ECDSA", "curve": "ed25519"}, 400, "not supported"},
		{"stark EdDSA", "/keys", map[string]any{"scheme": "EdDSA", "curve": "stark"}, 400, "not supported"},
		{"no scheme", "/keys", map[string]any{}, 400, "required"},
		{"scheme number", "/keys", map[string]any{"scheme": 1, "curve": "ed25519"}, 400, "scheme"},
		{"delegation", "/keys", map[string]any{"scheme": "EdDSA", "curve": "ed25519", "delegateTo": "us-x"}, 400, "delegateTo"}, // not an end user
		{"hash short", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Hash", "hash": h[:40]}, 400, "32 bytes"},
		{"hash not hex", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("zz", 32)}, 400, "hex"},
		{"no kind", "/keys/" + ec.ID + "/signatures", map[string]any{"hash": h}, 400, "kind"},
		{"body array", "/keys/" + ec.ID + "/signatures", []int{1}, 400, "JSON object"},
		{"message on ECDSA", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Message", "message": "0x01"}, 400, "EdDSA"},
		{"psbt without network", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Psbt", "psbt": "0x00"}, 400, "Psbt"},
		{"unknown network", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Hash", "hash": h, "network": "Nope"}, 400, "unknown network"},
		{"network not served", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Hash", "hash": h, "network": unserved}, 400, unservedSays},
		{"key does not fit", "/keys/" + ed.ID + "/signatures", map[string]any{"kind": "Hash", "hash": h, "network": "Ethereum"}, 400, "ECDSA"},
		{"garbage tx", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Transaction", "transaction": "0xdeadbeef", "network": "Ethereum"}, 400, ""},
		{"kind for network", "/keys/" + ec.ID + "/signatures", map[string]any{"kind": "Psbt", "psbt": "0x00", "network": "Ethereum"}, 400, "Psbt"},
		{"unknown key", "/keys/key-aaaaa-bbbbb-cccccccccccccccc/signatures", map[string]any{"kind": "Hash", "hash": h}, 404, ""},
		{"garbage key id", "/keys/../signatures", map[string]any{"kind": "Hash", "hash": h}, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sa.Do(bg, "POST", tc.path, tc.body, nil)
			expect(t, err, tc.want)
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}

	t.Run("another org's key is 404", func(t *testing.T) {
		other := env.OtherOrg(t)
		expect(t, other.Do(bg, "GET", "/keys/"+ec.ID, nil, nil), 404)
		expect(t, other.Do(bg, "POST", "/keys/"+ec.ID+"/signatures", map[string]any{"kind": "Hash", "hash": h}, nil), 404)
		expect(t, other.Do(bg, "PUT", "/keys/"+ec.ID, map[string]any{"name": "x"}, nil), 404)
		var l listJSON[keyJSON]
		expect(t, other.Do(bg, "GET", "/keys", nil, &l), 0)
		if len(l.Items) != 0 {
			t.Fatalf("other org lists %d keys", len(l.Items))
		}
	})
	t.Run("missing permission is 403", func(t *testing.T) {
		reader := env.User(t, pemkey.Ed25519, "Keys:Read")
		expect(t, reader.Do(bg, "GET", "/keys/"+ec.ID, nil, nil), 0)
		expect(t, reader.Do(bg, "POST", "/keys", map[string]any{"scheme": "ECDSA", "curve": "secp256k1"}, nil), 403)
		expect(t, reader.Do(bg, "POST", "/keys/"+ec.ID+"/signatures", map[string]any{"kind": "Hash", "hash": h}, nil), 403)
		expect(t, reader.Do(bg, "GET", "/keys/"+ec.ID+"/signatures", nil, nil), 403)
	})
}

func TestSignatureIdempotency(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	k := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})
	k2 := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})
	h := "0x" + strings.Repeat("12", 32)
	body := map[string]any{"kind": "Hash", "hash": h, "externalId": "order-1"}

	first := signKey(t, sa, k.ID, body)
	if first.ExternalID != "order-1" {
		t.Fatalf("externalId %q", first.ExternalID)
	}
	// A replay (fresh user action, same body in other JSON bytes) gets the
	// original request back.
	var again sigReqJSON
	expect(t, sa.Do(bg, "POST", "/keys/"+k.ID+"/signatures", `{ "externalId": "order-1", "hash": "`+h+`", "kind": "Hash" }`, &again), 0)
	if again.ID != first.ID || again.Signature.R != first.Signature.R {
		t.Fatalf("replay made request %s, want %s", again.ID, first.ID)
	}
	for name, tc := range map[string]struct {
		key  string
		body map[string]any
	}{
		"other body": {k.ID, map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("34", 32), "externalId": "order-1"}},
		"other key":  {k2.ID, body},
	} {
		err := sa.Do(bg, "POST", "/keys/"+tc.key+"/signatures", tc.body, nil)
		expect(t, err, http.StatusConflict)
		var e *client.Error
		errors.As(err, &e)
		dup, _ := e.Body.Error.Details["duplicate"].(map[string]any)
		if dup["id"] != first.ID || dup["externalId"] != "order-1" {
			t.Errorf("%s: details %v", name, e.Body.Error.Details)
		}
	}
	var l listJSON[sigReqJSON]
	expect(t, sa.Do(bg, "GET", "/keys/"+k.ID+"/signatures", nil, &l), 0)
	if len(l.Items) != 1 {
		t.Fatalf("%d requests stored, want 1", len(l.Items))
	}

	// Concurrent first uses of one externalId make one request.
	race := map[string]any{"kind": "Hash", "hash": h, "externalId": "order-2"}
	ids := make([]string, 4)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			var r sigReqJSON
			if err := sa.Do(bg, "POST", "/keys/"+k.ID+"/signatures", race, &r); err != nil {
				t.Error(err)
			}
			ids[i] = r.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("concurrent requests got ids %v", ids)
		}
	}
}
