package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/permission"
)

// fuzzWorld is what the route fuzzer works on: identities, the ids of
// existing objects by the path segment naming them, the other
// organisation's ids, and base bodies by route pattern.
type fuzzWorld struct {
	env *apitest.Env
	// sa is the admin service account; root is the root user (a user's own
	// PATs); low holds Wallets:Read and Keys:Read only; victim's login and
	// action completions are fuzzed (its backoff fills up, nobody else's);
	// leaver logs in afresh for every logout.
	sa, root, low, victim, leaver *apitest.Identity
	ids, other                    map[string][]string // "keys" → key ids, …
	bases                         map[string][]string // pattern → base bodies
	rootRoutes                    map[string]bool     // patterns called as root instead of sa
	words                         []string
	victimName                    string
	pageTokens                    []string // nextPageToken values seen
}

// actionToken runs init → sign → complete for method, path and payload as
// id and returns the user action token.
func actionToken(ctx context.Context, id *apitest.Identity, method, path string, payload []byte) (string, error) {
	ch, err := id.ActionInit(ctx, method, path, payload)
	if err != nil {
		return "", err
	}
	a, err := id.Signer.Sign(ctx, ch)
	if err != nil {
		return "", err
	}
	return id.ActionComplete(ctx, ch.ChallengeIdentifier, a)
}

func newFuzzWorld(t *testing.T, env *apitest.Env) *fuzzWorld {
	t.Helper()
	w := &fuzzWorld{env: env, sa: env.SA(t), root: env.Root(t), ids: map[string][]string{}, other: map[string][]string{},
		bases: map[string][]string{}, rootRoutes: map[string]bool{}}
	w.low = env.User(t, pemkey.Ed25519, "Wallets:Read", "Keys:Read")
	w.victim = env.User(t, pemkey.Ed25519)
	w.leaver = env.User(t, pemkey.Ed25519)
	var vu struct {
		Username string `json:"username"`
	}
	if err := w.sa.Do(ctx, "GET", "/auth/users/"+w.victim.UserID, nil, &vu); err != nil {
		t.Fatalf("setup victim: %v", err)
	}
	w.victimName = vu.Username

	// The input-limit table has a base body for every signed route and
	// public POST, and its paths name the objects it created.
	table := limitTable(t, env, w.sa, w.root)
	patterns := make([]string, 0, len(table))
	for p := range table {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns) // the pools' order, so that a seed replays
	for _, pattern := range patterns {
		tc := table[pattern]
		w.bases[pattern] = append(w.bases[pattern], tc.body)
		if tc.root {
			w.rootRoutes[pattern] = true
		}
		_, pp, _ := strings.Cut(pattern, " ")
		w.addIDs(w.ids, pp, tc.path)
	}
	do := func(id *apitest.Identity, method, path string, body any) map[string]any {
		t.Helper()
		var out map[string]any
		if err := id.Do(ctx, method, path, body, &out); err != nil {
			t.Fatalf("setup %s %s: %v", method, path, err)
		}
		return out
	}
	add := func(m map[string][]string, kind string, v any) {
		if s, ok := v.(string); ok && s != "" {
			m[kind] = append(m[kind], s)
		}
	}
	hash := "0x" + strings.Repeat("ab", 32)
	add(w.ids, "keys", do(w.sa, "POST", "/keys", map[string]any{"scheme": "EdDSA", "curve": "ed25519"})["id"])
	ec := do(w.sa, "POST", "/keys", map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})["id"].(string)
	add(w.ids, "keys", ec)
	add(w.ids, "signatures", do(w.sa, "POST", "/keys/"+ec+"/signatures", map[string]any{"kind": "Hash", "hash": hash})["id"])
	evm := do(w.sa, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"})["id"].(string)
	add(w.ids, "wallets", evm)
	add(w.ids, "signatures", do(w.sa, "POST", "/wallets/"+evm+"/signatures", map[string]any{"kind": "Hash", "hash": hash})["id"])
	var btcScript []byte
	for _, net := range []string{"Bitcoin", "SolanaDevnet", "KeyEdDSA"} {
		wl := do(w.sa, "POST", "/wallets", map[string]any{"network": net})
		add(w.ids, "wallets", wl["id"])
		if net == "Bitcoin" {
			btcScript = p2wpkh(t, wl)
		}
	}
	var logs struct {
		Items []map[string]any `json:"items"`
	}
	if err := w.sa.Do(ctx, "GET", "/auth/action/logs?limit=3", nil, &logs); err != nil {
		t.Fatalf("setup logs: %v", err)
	}
	for _, l := range logs.Items {
		add(w.ids, "logs", l["id"])
	}
	add(w.ids, "credentials", w.root.Signer.CredID) // someone else's: never the caller's own
	w.ids["networks"] = []string{"Ethereum", "Bitcoin", "Canton"}

	// The other organisation's objects: always a 404 (or 403) here.
	o := env.OtherOrg(t)
	oPerm := do(o, "POST", "/permissions", map[string]any{"name": "o", "operations": []string{"Wallets:Read"}})["id"].(string)
	oUser := do(o, "POST", "/auth/users", map[string]any{"email": "other@example.com", "kind": "CustomerEmployee"})["userId"].(string)
	add(w.other, "permissions", oPerm)
	add(w.other, "users", oUser)
	add(w.other, "assignments", do(o, "POST", "/permissions/"+oPerm+"/assignments", map[string]any{"identityId": oUser})["id"])
	add(w.other, "apps", do(o, "POST", "/auth/apps", map[string]any{"name": "o"})["appId"])
	oKey := do(o, "POST", "/keys", map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})["id"].(string)
	add(w.other, "keys", oKey)
	add(w.other, "signatures", do(o, "POST", "/keys/"+oKey+"/signatures", map[string]any{"kind": "Hash", "hash": hash})["id"])
	add(w.other, "wallets", do(o, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"})["id"])
	add(w.other, "pats", do(o, "POST", "/auth/pats", map[string]any{"name": "o", "publicKey": mustKey(t).Public().MarshalPEM()})["tokenId"])
	add(w.other, "service-accounts", do(o, "POST", "/auth/service-accounts",
		map[string]any{"name": "o", "publicKey": mustKey(t).Public().MarshalPEM()})["userInfo"].(map[string]any)["userId"])
	add(w.other, "credentials", o.Signer.CredID)

	w.addBases(hash, btcScript)
	w.words = fuzzWords(env, w.ids, w.other)
	return w
}

// addIDs records the ids path has where pattern path pp has wildcards,
// under the segment before each ("/keys/{keyId}" → "keys").
func (w *fuzzWorld) addIDs(m map[string][]string, pp, path string) {
	ps, xs := strings.Split(pp, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return
	}
	for i, s := range ps {
		if strings.HasPrefix(s, "{") && i > 0 && !contains(m[ps[i-1]], xs[i]) {
			m[ps[i-1]] = append(m[ps[i-1]], xs[i])
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// p2wpkh returns the output script of a Bitcoin wallet's address.
func p2wpkh(t *testing.T, wl map[string]any) []byte {
	t.Helper()
	pub, err := hex.DecodeString(strings.TrimPrefix(wl["signingKey"].(map[string]any)["publicKey"].(string), "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{0x00, 0x14}, btcutil.Hash160(pub)...)
}

// addBases adds base bodies beyond the input-limit table's: every kind of
// signature request, the unsigned POSTs, and more key and wallet kinds.
func (w *fuzzWorld) addBases(hash string, script []byte) {
	op := wire.OutPoint{Hash: chainhash.DoubleHashH([]byte("prev")), Index: 1}
	pkt, err := psbt.New([]*wire.OutPoint{&op}, []*wire.TxOut{wire.NewTxOut(90_000, script)}, 2, 0, []uint32{wire.MaxTxInSequenceNum})
	var buf bytes.Buffer
	if err == nil {
		pkt.Inputs[0].WitnessUtxo = wire.NewTxOut(100_000, script)
		err = pkt.Serialize(&buf)
	}
	if err != nil {
		panic(err)
	}
	q := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	eip712 := q(map[string]any{"kind": "Eip712",
		"types":   map[string]any{"Person": []map[string]string{{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}}},
		"domain":  map[string]any{"name": "Ether Mail", "version": "1", "chainId": 11155111, "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
		"message": map[string]any{"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"}})
	txJSON := `{"kind":"Transaction","transaction":{"type":2,"chainId":11155111,"nonce":7,"to":"0x000000000000000000000000000000000000dEaD",` +
		`"value":"12345","gasLimit":21000,"maxFeePerGas":"30000000000","maxPriorityFeePerGas":"1000000000","data":"0x",` +
		`"accessList":[{"address":"0x000000000000000000000000000000000000dEaD","storageKeys":["` + hash + `"]}]}}`
	sigs := []string{
		`{"kind":"Message","message":"0x48656c6c6f"}`, `{"kind":"Eip191","message":"0x48656c6c6f"}`, eip712, txJSON,
		`{"kind":"Transaction","transaction":"0x02c0ffee"}`, `{"kind":"Psbt","psbt":"0x` + hex.EncodeToString(buf.Bytes()) + `"}`,
		`{"kind":"Bip322","message":"0x48656c6c6f","format":"Simple"}`, `{"kind":"Hash","hash":"` + hash + `","taprootMerkleRoot":""}`,
	}
	for _, s := range sigs {
		w.bases["POST /wallets/{walletId}/signatures"] = append(w.bases["POST /wallets/{walletId}/signatures"], s)
		withNet := s[:len(s)-1] + `,"network":"` + []string{"Ethereum", "Bitcoin", "Solana"}[len(s)%3] + `"}`
		w.bases["POST /keys/{keyId}/signatures"] = append(w.bases["POST /keys/{keyId}/signatures"], s, withNet)
	}
	w.bases["POST /keys"] = append(w.bases["POST /keys"], `{"scheme":"EdDSA","curve":"ed25519"}`, `{"scheme":"Schnorr","curve":"secp256k1"}`,
		`{"scheme":"DH","curve":"secp256k1"}`, `{"scheme":"ECDSA","curve":"stark"}`)
	w.bases["POST /wallets"] = append(w.bases["POST /wallets"], `{"network":"Bitcoin","signingKey":{"scheme":"Schnorr"}}`,
		`{"network":"SolanaDevnet"}`, `{"network":"KeyECDSA"}`, `{"network":"Ethereum","signingKey":{"id":"`+w.ids["keys"][0]+`"}}`)
	w.bases["POST /permissions"] = append(w.bases["POST /permissions"], `{"name":"p4","operations":["Keys:Read","Auth:Users:Read"]}`)
	w.bases["POST /auth/action/init"] = []string{`{"userActionPayload":"{}","userActionHttpMethod":"POST","userActionHttpPath":"/wallets","userActionServerKind":"Api"}`}
	w.bases["POST /auth/credentials/init"] = []string{`{"kind":"Key"}`, `{"kind":"Fido2"}`, `{"kind":"PasswordProtectedKey"}`, `{"kind":"RecoveryKey"}`}
	w.bases["PUT /auth/logout"] = []string{`{"allSessions":false}`, `{"allSessions":true}`}
}

// fuzzWords is the mutator's dictionary: enum values of the API, real ids
// of both organisations, and operation names.
func fuzzWords(env *apitest.Env, ids, other map[string][]string) []string {
	words := []string{"ECDSA", "EdDSA", "Schnorr", "DH", "secp256k1", "ed25519", "stark", "Hash", "Message", "Transaction",
		"Eip191", "Eip712", "Psbt", "Bip322", "Ethereum", "EthereumSepolia", "Bitcoin", "Solana", "SolanaDevnet", "KeyECDSA",
		"KeyEdDSA", "Tron", "CustomerEmployee", "EndUser", "Key", "Fido2", "PasswordProtectedKey", "RecoveryKey", "Api",
		"Staff", "CGGMP24", "Simple", "Full", "ClientSideApplication", "ServerSideApplication", "Active", "Archived",
		env.Admin.OrgID, env.Admin.AppID, env.Admin.User.Username, "kind", "name", "network", "externalId"}
	for _, m := range []map[string][]string{ids, other} {
		kinds := make([]string, 0, len(m))
		for k := range m {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds) // a seed replays only if the words keep their order
		for _, k := range kinds {
			words = append(words, m[k]...)
		}
	}
	for i, op := range permission.Current {
		if i%7 == 0 {
			words = append(words, op)
		}
	}
	return words
}

// freshLogin logs id's user in again and returns a client with the new
// token (the logout route ends sessions).
func (w *fuzzWorld) freshLogin(id *apitest.Identity) (*apitest.Identity, error) {
	var u struct {
		Username string `json:"username"`
	}
	if err := w.sa.Do(ctx, "GET", "/auth/users/"+id.UserID, nil, &u); err != nil {
		return nil, err
	}
	tok, err := client.Login(ctx, w.env.HTTP, w.env.URL, id.OrgID, u.Username, id.Signer)
	if err != nil {
		return nil, fmt.Errorf("login %s: %w", u.Username, err)
	}
	c := client.New(w.env.URL, tok, id.Signer)
	c.HTTP = w.env.HTTP
	cp := *id
	cp.Client = c
	return &cp, nil
}

// headers adds, now and then, the legacy X-DFNS-APPID and X-DFNS-NONCE
// headers: valid, of the other organisation, or garbage.
func (f *fuzzRun) headers(rng *rand.Rand, h http.Header) {
	w := f.w
	if rng.IntN(12) == 0 {
		apps := append([]string{w.env.Admin.AppID, garbageSegment(rng), w.words[rng.IntN(len(w.words))]}, w.other["apps"]...)
		h.Set("X-DFNS-APPID", apps[rng.IntN(len(apps))])
	}
	if rng.IntN(12) == 0 {
		m := &mutator{rng: rng, words: w.words}
		var n any = map[string]any{"uuid": fmt.Sprintf("%032x", rng.Uint64()), "date": time.Now().UTC().Format(time.RFC3339Nano)}
		if rng.IntN(3) > 0 {
			n = m.mutate(n)
		}
		b, _ := json.Marshal(n)
		v := base64.RawURLEncoding.EncodeToString(b)
		if rng.IntN(5) == 0 {
			v = m.str()
		}
		v = v[:min(len(v), 8<<10)]
		h.Set("X-DFNS-NONCE", strings.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7e {
				return 'x' // a header value the client can send
			}
			return r
		}, v))
	}
}

// harvest keeps the pagination tokens lists answer, for the queries of
// later requests to reuse and mangle.
func (f *fuzzRun) harvest(resp []byte) {
	if !bytes.Contains(resp, []byte(`"nextPageToken"`)) {
		return
	}
	var l struct {
		Next string `json:"nextPageToken"`
	}
	if json.Unmarshal(resp, &l) == nil && l.Next != "" && len(f.w.pageTokens) < 200 {
		f.w.pageTokens = append(f.w.pageTokens, l.Next)
	}
}

// errorLines keeps the ERROR lines of the server's JSON log (a panic and
// every 5xx log one).
type errorLines struct {
	mu    sync.Mutex
	n     int
	lines []string
}

func (e *errorLines) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"level":"ERROR"`)) {
		e.mu.Lock()
		e.n++
		if len(e.lines) < 5 {
			e.lines = append(e.lines, string(p[:min(len(p), 3000)]))
		}
		e.mu.Unlock()
	}
	return len(p), nil
}

func (e *errorLines) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

func (e *errorLines) first() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.lines...)
}
