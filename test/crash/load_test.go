package crash

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/pemkey"
)

// kind is the kind of write an attempt makes.
type kind int

const (
	kindUser kind = iota
	kindSA
	kindWallet
	kindSig
	numKinds
)

var kindNames = [numKinds]string{"user", "service account", "wallet", "signature request"}

func (k kind) String() string { return kindNames[k] }

// attempt is one signed write: the user action it carries, what it asked
// for (marker is its unique email, name or externalId) and its outcome.
type attempt struct {
	kind    kind
	marker  string
	path    string
	payload []byte
	token   string             // the X-DFNS-USERACTION token
	keyID   string             // the key signed with (kindSig)
	saKey   *pemkey.PrivateKey // the service account's key (kindSA)
	cycle   int

	status int             // 0: no answer (in flight at the crash); else the HTTP status
	body   json.RawMessage // the 2xx response
	errMsg string
	lost   bool // counted as a loss
}

func (a *attempt) acked() bool { return a.status >= 200 && a.status < 300 }

// org is one organisation under test: its admin service account and the
// two keys signature requests use.
type org struct {
	admin      *adminFile
	signer     *client.KeySigner
	ecKey      string // secp256k1: kind Hash
	edKey      string // ed25519: kind Message
	setupKeys  map[string]bool
	hc         *http.Client
	url        string
	markerBase string
}

// client returns the admin service account's client on the current server.
func (o *org) client() *client.Client {
	c := client.New(o.url, o.admin.ServiceAccount.AuthToken, o.signer)
	c.HTTP = o.hc
	return c
}

func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: 15 * time.Second, Transport: tr}
}

// setup reads admin.json of dir and creates the keys the load signs with.
func setup(ctx context.Context, dir, url, markerBase string) (*org, error) {
	a, err := readAdmin(dir)
	if err != nil {
		return nil, err
	}
	s, err := client.NewKeySigner(a.ServiceAccount.CredID, a.ServiceAccount.PrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	o := &org{admin: a, signer: s, hc: newHTTPClient(), url: url, setupKeys: map[string]bool{}, markerBase: markerBase}
	for _, k := range []struct {
		dst           *string
		scheme, curve string
	}{{&o.ecKey, "ECDSA", "secp256k1"}, {&o.edKey, "EdDSA", "ed25519"}} {
		var out keyJSON
		if err := o.client().Do(ctx, "POST", "/keys", map[string]any{"scheme": k.scheme, "curve": k.curve}, &out); err != nil {
			return nil, fmt.Errorf("create %s key: %w", k.curve, err)
		}
		*k.dst = out.ID
		o.setupKeys[out.ID] = true
	}
	return o, nil
}

// load is the writer load of one cycle.
type load struct {
	org   *org
	cycle int
	seq   *atomic.Int64
	stop  atomic.Bool

	mu       sync.Mutex
	attempts []*attempt
}

// run drives workers concurrent writers until l.stop is set or ctx ends.
func (l *load) run(ctx context.Context, workers int, seed uint64) {
	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		wg.Go(func() {
			for !l.stop.Load() && ctx.Err() == nil {
				l.one(ctx, rng)
			}
		})
	}
	wg.Wait()
}

// one makes one signed write of a random kind.
func (l *load) one(ctx context.Context, rng *rand.Rand) {
	n := l.seq.Add(1)
	a := &attempt{cycle: l.cycle, marker: fmt.Sprintf("%s-%d", l.org.markerBase, n)}
	var body map[string]any
	switch r := rng.IntN(100); {
	case r < 25:
		a.kind, a.path = kindUser, "/auth/users"
		a.marker += "@example.com"
		body = map[string]any{"email": a.marker, "kind": "CustomerEmployee", "publicKey": newPublicKey()}
	case r < 45:
		a.kind, a.path = kindSA, "/auth/service-accounts"
		a.saKey = newKey()
		body = map[string]any{"name": a.marker, "publicKey": a.saKey.Public().MarshalPEM()}
	case r < 65:
		a.kind, a.path = kindWallet, "/wallets"
		body = map[string]any{"network": "EthereumSepolia", "name": a.marker, "externalId": a.marker}
	default:
		a.kind = kindSig
		data := make([]byte, 32)
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		if rng.IntN(2) == 0 {
			a.keyID = l.org.ecKey
			body = map[string]any{"kind": "Hash", "hash": "0x" + hex.EncodeToString(data), "externalId": a.marker}
		} else {
			a.keyID = l.org.edKey
			body = map[string]any{"kind": "Message", "message": "0x" + hex.EncodeToString(data), "externalId": a.marker}
		}
		a.path = "/keys/" + a.keyID + "/signatures"
	}
	a.payload, _ = json.Marshal(body)
	c := l.org.client()
	// The user action: init, sign, complete. A failure here (the crash)
	// leaves nothing to check.
	ch, err := c.ActionInit(ctx, "POST", a.path, a.payload)
	if err != nil {
		return
	}
	as, err := c.Signer.Sign(ctx, ch)
	if err != nil {
		return
	}
	if a.token, err = c.ActionComplete(ctx, ch.ChallengeIdentifier, as); err != nil {
		return
	}
	l.mu.Lock()
	l.attempts = append(l.attempts, a)
	l.mu.Unlock()
	var raw json.RawMessage
	err = c.DoWithAction(ctx, "POST", a.path, a.payload, a.token, &raw)
	l.mu.Lock()
	defer l.mu.Unlock()
	var ce *client.Error
	switch {
	case err == nil:
		a.status, a.body = http.StatusOK, raw
	case errors.As(err, &ce):
		a.status, a.errMsg = ce.Status, ce.Error()
	default: // no answer: the outcome is unknown
		a.errMsg = err.Error()
	}
}

// newKey returns a fresh Ed25519 key.
func newKey() *pemkey.PrivateKey {
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		panic(err)
	}
	return k
}

// newPublicKey returns the PEM public key of a fresh Ed25519 key.
func newPublicKey() string { return newKey().Public().MarshalPEM() }
