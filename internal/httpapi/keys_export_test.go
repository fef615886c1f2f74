package httpapi_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/edwards25519"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/pemkey"
)

// The Dfns key import/export encryption, written here from
// dfns/trusted-dealer common/src/encryption.rs independently of the
// server's code: ECDH on secp256k1, HKDF-SHA256 (salt DFNS_KEY_IMPORT, info
// ENCRYPTION_KEY), AES-256-GCM with a zero nonce, ephemeral key appended.

func gcmFor(t *testing.T, shared []byte) cipher.AEAD {
	key, err := hkdf.Key(sha256.New, shared, []byte("DFNS_KEY_IMPORT"), "ENCRYPTION_KEY", 32)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	return aead
}

func sharedPoint(priv *secp256k1.PrivateKey, pub *secp256k1.PublicKey) []byte {
	var p, r secp256k1.JacobianPoint
	pub.AsJacobian(&p)
	secp256k1.ScalarMultNonConst(&priv.Key, &p, &r)
	r.ToAffine()
	return secp256k1.NewPublicKey(&r.X, &r.Y).SerializeCompressed()
}

func testDecrypt(t *testing.T, priv *secp256k1.PrivateKey, ct []byte) []byte {
	t.Helper()
	eph, err := secp256k1.ParsePubKey(ct[len(ct)-33:])
	if err != nil {
		t.Fatal(err)
	}
	pt, err := gcmFor(t, sharedPoint(priv, eph)).Open(nil, make([]byte, 12), ct[:len(ct)-33], nil)
	if err != nil {
		t.Fatalf("share does not decrypt: %v", err)
	}
	return pt
}

func testEncrypt(t *testing.T, pub *secp256k1.PublicKey, pt []byte) []byte {
	t.Helper()
	eph, _ := secp256k1.GeneratePrivateKey()
	ct := gcmFor(t, sharedPoint(eph, pub)).Seal(nil, make([]byte, 12), pt, nil)
	return append(ct, eph.PubKey().SerializeCompressed()...)
}

var (
	orderN, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
	orderL, _ = new(big.Int).SetString("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", 16)
)

// lagrange0 interpolates f(0) from points (x, y) mod order.
func lagrange0(xs, ys []*big.Int, order *big.Int) *big.Int {
	sum := new(big.Int)
	for j := range xs {
		l := big.NewInt(1)
		for m := range xs {
			if m != j {
				d := new(big.Int).Sub(xs[m], xs[j])
				d.ModInverse(d.Mod(d, order), order)
				l.Mul(l, xs[m]).Mul(l, d).Mod(l, order)
			}
		}
		sum.Add(sum, l.Mul(l, ys[j])).Mod(sum, order)
	}
	return sum
}

type exportJSON struct {
	PublicKey          string `json:"publicKey"`
	Protocol           string `json:"protocol"`
	Curve              string `json:"curve"`
	MinSigners         int    `json:"minSigners"`
	EncryptedKeyShares []struct {
		SignerID          string `json:"signerId"`
		EncryptedKeyShare string `json:"encryptedKeyShare"`
	} `json:"encryptedKeyShares"`
}

type scalarField struct {
	Curve  string `json:"curve"`
	Scalar string `json:"scalar"`
}

func TestKeyExport(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	dk, _ := secp256k1.GeneratePrivateKey()
	encKey := base64.StdEncoding.EncodeToString(append([]byte{1}, dk.PubKey().SerializeCompressed()...))
	schemes := []map[string]string{{"protocol": "CGGMP21", "curve": "secp256k1"}, {"protocol": "FROST", "curve": "ed25519"},
		{"protocol": "FROST_BITCOIN", "curve": "secp256k1"}}
	req := map[string]any{"encryptionKey": encKey, "supportedSchemes": schemes}

	for _, tc := range []struct{ scheme, curve, protocol string }{
		{"ECDSA", "secp256k1", "CGGMP21"}, {"Schnorr", "secp256k1", "FROST_BITCOIN"}, {"EdDSA", "ed25519", "FROST"},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			k := createKey(t, sa, map[string]any{"scheme": tc.scheme, "curve": tc.curve, "exportable": true})
			var out exportJSON
			expect(t, sa.Do(bg, "POST", "/keys/"+k.ID+"/export", req, &out), 0)
			if out.Protocol != tc.protocol || out.Curve != tc.curve || out.MinSigners != 2 || out.PublicKey != k.PublicKey ||
				len(out.EncryptedKeyShares) != 3 {
				t.Fatalf("export %+v", out)
			}
			order := orderN
			if tc.curve == "ed25519" {
				order = orderL
			}
			var xs, ys []*big.Int
			for _, es := range out.EncryptedKeyShares[1:] { // any two shares
				ct, _ := base64.StdEncoding.DecodeString(es.EncryptedKeyShare)
				var share struct {
					Version     int         `json:"version"`
					Index       scalarField `json:"index"`
					SecretShare scalarField `json:"secret_share"`
				}
				if err := json.Unmarshal(testDecrypt(t, dk, ct), &share); err != nil || share.Version != 1 ||
					share.Index.Curve != tc.curve || share.SecretShare.Curve != tc.curve {
					t.Fatalf("share %+v (%v)", share, err)
				}
				xs = append(xs, new(big.Int).SetBytes(unhex(t, share.Index.Scalar)))
				ys = append(ys, new(big.Int).SetBytes(unhex(t, share.SecretShare.Scalar)))
			}
			secret := make([]byte, 32)
			lagrange0(xs, ys, order).FillBytes(secret)
			var pub []byte
			if tc.curve == "ed25519" {
				s, err := edwards25519.NewScalar().SetCanonicalBytes(reversed(secret))
				if err != nil {
					t.Fatal(err)
				}
				pub = new(edwards25519.Point).ScalarBaseMult(s).Bytes()
			} else {
				pub = secp256k1.PrivKeyFromBytes(secret).PubKey().SerializeCompressed()
			}
			if hex.EncodeToString(pub) != k.PublicKey {
				t.Fatal("the interpolated secret is not the key's")
			}
			var got keyJSON
			expect(t, sa.Do(bg, "GET", "/keys/"+k.ID, nil, &got), 0)
			if got.Exported == nil || !*got.Exported || got.DateExported == "" {
				t.Fatalf("key after export %+v", got)
			}
		})
	}
	t.Run("refusals", func(t *testing.T) {
		plain := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})
		expect(t, sa.Do(bg, "POST", "/keys/"+plain.ID+"/export", req, nil), 400)
		k := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1", "exportable": true})
		for _, bad := range []map[string]any{
			{"encryptionKey": "not base64!", "supportedSchemes": schemes},
			{"encryptionKey": base64.StdEncoding.EncodeToString(dk.PubKey().SerializeCompressed()), "supportedSchemes": schemes},
			{"encryptionKey": encKey, "supportedSchemes": []map[string]string{{"protocol": "FROST", "curve": "ed25519"}}},
		} {
			expect(t, sa.Do(bg, "POST", "/keys/"+k.ID+"/export", bad, nil), 400)
		}
		user := env.User(t, pemkey.Ed25519, "Keys:Read", "Keys:Create")
		expect(t, user.Do(bg, "POST", "/keys/"+k.ID+"/export", req, nil), 403)
	})
}

func reversed(b []byte) []byte {
	out := slices.Clone(b)
	slices.Reverse(out)
	return out
}

func TestKeyImport(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	var signers struct {
		Clusters []struct {
			Signers []struct {
				SignerID      string `json:"signerId"`
				EncryptionKey string `json:"encryptionKey"`
			} `json:"signers"`
		} `json:"clusters"`
	}
	expect(t, sa.Do(bg, "GET", "/signers", nil, &signers), 0)
	ss := signers.Clusters[0].Signers
	if len(ss) != 3 {
		t.Fatalf("%d signers", len(ss))
	}
	// Signers are indexed 1..n in the order of their raw ids.
	slices.SortFunc(ss, func(a, b struct {
		SignerID      string `json:"signerId"`
		EncryptionKey string `json:"encryptionKey"`
	}) int {
		x, _ := base64.StdEncoding.DecodeString(a.SignerID)
		y, _ := base64.StdEncoding.DecodeString(b.SignerID)
		return bytes.Compare(x, y)
	})
	priv, _ := secp256k1.GeneratePrivateKey()
	secret := new(big.Int).SetBytes(priv.Serialize())
	coef, _ := rand.Int(rand.Reader, orderN)
	var pubShares []map[string]string
	var ys []*big.Int
	for i := 1; i <= 3; i++ {
		y := new(big.Int).Mul(coef, big.NewInt(int64(i)))
		y.Add(y, secret).Mod(y, orderN)
		ys = append(ys, y)
		b := make([]byte, 32)
		y.FillBytes(b)
		pubShares = append(pubShares, map[string]string{"curve": "secp256k1",
			"point": hex.EncodeToString(secp256k1.PrivKeyFromBytes(b).PubKey().SerializeUncompressed())})
	}
	var shares []map[string]string
	for i, s := range ss {
		raw, _ := base64.StdEncoding.DecodeString(s.EncryptionKey)
		pub, err := secp256k1.ParsePubKey(raw[1:])
		if err != nil || raw[0] != 1 {
			t.Fatalf("encryption key %s", s.EncryptionKey)
		}
		b := make([]byte, 32)
		ys[i].FillBytes(b)
		pt, _ := json.Marshal(map[string]any{"version": 1, "secret_share": scalarField{"secp256k1", hex.EncodeToString(b)},
			"public_shares": pubShares})
		shares = append(shares, map[string]string{"signerId": s.SignerID,
			"encryptedKeyShare": base64.StdEncoding.EncodeToString(testEncrypt(t, pub, pt))})
	}
	body := map[string]any{"name": "imported", "protocol": "CGGMP21", "curve": "secp256k1", "minSigners": 2,
		"encryptedKeyShares": shares}
	var k keyJSON
	expect(t, sa.Do(bg, "POST", "/keys/import", body, &k), 0)
	if k.PublicKey != hex.EncodeToString(priv.PubKey().SerializeCompressed()) || k.Imported == nil || !*k.Imported || k.Scheme != "ECDSA" {
		t.Fatalf("imported key %+v", k)
	}
	digest := sha256.Sum256([]byte("imported"))
	r := signKey(t, sa, k.ID, map[string]any{"kind": "Hash", "hash": hex.EncodeToString(digest[:])})
	var rr, sv secp256k1.ModNScalar
	rr.SetByteSlice(unhex(t, r.Signature.R))
	sv.SetByteSlice(unhex(t, r.Signature.S))
	if !ecdsa.NewSignature(&rr, &sv).Verify(digest[:], priv.PubKey()) {
		t.Fatal("the imported key does not sign as the original")
	}

	tampered := slices.Clone(shares)
	tampered[0], tampered[1] = map[string]string{"signerId": shares[0]["signerId"], "encryptedKeyShare": shares[1]["encryptedKeyShare"]}, shares[0]
	for name, b := range map[string]map[string]any{
		"swapped shares": {"protocol": "CGGMP21", "curve": "secp256k1", "minSigners": 2, "encryptedKeyShares": tampered},
		"one share":      {"protocol": "CGGMP21", "curve": "secp256k1", "minSigners": 2, "encryptedKeyShares": shares[:1]},
		"ed25519":        {"protocol": "FROST", "curve": "ed25519", "minSigners": 2, "encryptedKeyShares": shares},
		"bad protocol":   {"protocol": "GG18", "curve": "secp256k1", "minSigners": 2, "encryptedKeyShares": shares},
		"garbage":        {"protocol": "CGGMP21", "curve": "secp256k1", "minSigners": 2, "encryptedKeyShares": []map[string]string{{"signerId": ss[0].SignerID, "encryptedKeyShare": "AAAA"}, shares[1]}},
	} {
		if err := sa.Do(bg, "POST", "/keys/import", b, nil); apitest.Status(err) != 400 {
			t.Errorf("%s: %v, want 400", name, err)
		}
	}
}

func TestKeyDerive(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	dh := createKey(t, sa, map[string]any{"scheme": "DH", "curve": "secp256k1"})
	dh2 := createKey(t, sa, map[string]any{"scheme": "DH", "curve": "secp256k1"})
	derive := func(keyID, domain, seed string) string {
		var out struct {
			Output string `json:"output"`
		}
		expect(t, sa.Do(bg, "POST", "/keys/"+keyID+"/derive", map[string]any{"domain": domain, "seed": seed}, &out), 0)
		if len(unhex(t, out.Output)) != 32 || !strings.HasPrefix(out.Output, "0x") {
			t.Fatalf("output %q", out.Output)
		}
		return out.Output
	}
	a := derive(dh.ID, "0x64666e73", "0x0102")
	if derive(dh.ID, "0x64666e73", "0x0102") != a {
		t.Fatal("derivation is not deterministic")
	}
	for name, other := range map[string]string{
		"other seed": derive(dh.ID, "0x64666e73", "0x0103"), "other domain": derive(dh.ID, "0x64666e74", "0x0102"),
		"other key": derive(dh2.ID, "0x64666e73", "0x0102"),
	} {
		if other == a {
			t.Errorf("%s gives the same output", name)
		}
	}
	ec := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})
	expect(t, sa.Do(bg, "POST", "/keys/"+ec.ID+"/derive", map[string]any{"domain": "0x01", "seed": "0x02"}, nil), 400)
	expect(t, sa.Do(bg, "POST", "/keys/"+dh.ID+"/derive", map[string]any{"domain": "zz", "seed": "0x02"}, nil), 400)
	expect(t, sa.Do(bg, "POST", "/keys/"+dh.ID+"/signatures", map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("00", 32)}, nil), 400)
	expect(t, sa.Do(bg, "POST", "/wallets", map[string]any{"network": "KeyECDSA", "signingKey": map[string]any{"id": dh.ID}}, nil), 400)
}

// TestNoPlaintextKeysAtRest creates keys of every scheme, uses them, then
// opens each through custody to learn its private bytes and looks for them
// in every file of the data directory and in the server logs.
func TestNoPlaintextKeysAtRest(t *testing.T) {
	apitest.SQLiteOnly(t, "it searches the SQLite database files for plaintext key material")
	t.Parallel()
	logs := &apitest.Logs{}
	env := apitest.New(t, apitest.LogTo(logs))
	sa := env.SA(t)
	h := "0x" + strings.Repeat("5a", 32)
	var ids []string
	for _, tc := range []map[string]any{
		{"scheme": "ECDSA", "curve": "secp256k1"}, {"scheme": "Schnorr", "curve": "secp256k1"},
		{"scheme": "EdDSA", "curve": "ed25519"}, {"scheme": "DH", "curve": "secp256k1"},
	} {
		k := createKey(t, sa, tc)
		ids = append(ids, k.ID)
		switch tc["scheme"] {
		case "DH":
			expect(t, sa.Do(bg, "POST", "/keys/"+k.ID+"/derive", map[string]any{"domain": "0x01", "seed": "0x02"}, nil), 0)
		case "Schnorr":
			signKey(t, sa, k.ID, map[string]any{"kind": "Hash", "hash": h, "taprootMerkleRoot": ""})
		default:
			signKey(t, sa, k.ID, map[string]any{"kind": "Hash", "hash": h})
		}
		_ = sa.Do(bg, "POST", "/keys/"+k.ID+"/signatures", map[string]any{"kind": "Hash", "hash": "0x00"}, nil)
	}
	w := createWallet(t, sa, map[string]any{"network": "Ethereum"})
	ids = append(ids, w.SigningKey.ID)

	backend := custody.NewLocal(env.App.Keyring)
	var needles [][]byte
	for _, id := range ids {
		k, err := env.App.DB.Key(bg, sa.OrgID, id)
		if err != nil {
			t.Fatal(err)
		}
		ck, aad := chain.Key{Scheme: k.Scheme, Curve: k.Curve, PublicKey: k.PublicKey}, k.AAD()
		if k.Scheme == "DH" {
			ck.Scheme, aad = chain.SchemeECDSA, append(aad, "/dh"...)
		}
		raw, err := backend.Export(bg, ck, k.Material, aad)
		if err != nil || len(raw) != 32 {
			t.Fatalf("open %s through custody: %v", id, err)
		}
		needles = append(needles, raw, []byte(hex.EncodeToString(raw)), []byte(strings.ToUpper(hex.EncodeToString(raw))),
			[]byte(base64.StdEncoding.EncodeToString(raw)), []byte(base64.RawURLEncoding.EncodeToString(raw)))
	}
	haystacks := map[string][]byte{"server logs": logs.Bytes()}
	if len(haystacks["server logs"]) == 0 {
		t.Fatal("no logs captured")
	}
	for _, name := range []string{"custos.db", "custos.db-wal", "custos.db-shm"} {
		b, err := os.ReadFile(filepath.Join(env.App.Config.DataDir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		haystacks[name] = b
	}
	// Positive control: the public key (stored as hex) is found, so the
	// search does read what the database wrote.
	if !bytes.Contains(append(haystacks["custos.db"], haystacks["custos.db-wal"]...), []byte(w.SigningKey.PublicKey)) {
		t.Fatal("the database files do not hold the wallet's public key: the search reads the wrong files")
	}
	for name, hay := range haystacks {
		for i, n := range needles {
			if bytes.Contains(hay, n) {
				t.Errorf("%s holds private key material of key %s (form %d)", name, ids[i/5], i%5)
			}
		}
	}
}
