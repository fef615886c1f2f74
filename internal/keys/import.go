package keys

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// Key import (POST /keys/import) follows dfns/trusted-dealer key-import:
// the client fetches the signers' encryption keys (GET /signers), splits
// the secret scalar t-of-n with the signer sorted i-th by signerId getting
// f(i), and encrypts each share (JSON {version: 1, secret_share,
// public_shares}) to its signer. Custos plays the n signers itself: it
// keeps one sealed decryption key per signer, decrypts the shares,
// checks them against the public shares and rebuilds the secret, which it
// seals in custody like any key.
//
// Supported: CGGMP21/CGGMP24 on secp256k1 (ECDSA keys) and FROST_BITCOIN on
// secp256k1 (Schnorr keys). FROST/ed25519 is refused: an import carries the
// ed25519 scalar, while custody holds (and signs with) ed25519 seeds.

// importSignerCount is how many signers an org's import cluster has.
const importSignerCount = 3

// ImportSigner is one of the org's key-import signers: its id, its public
// encryption key and its decryption key sealed at rest.
type ImportSigner struct {
	ID        string // raw signer id, base64 on the wire
	OrgID     string
	PublicKey []byte // compressed secp256k1
	KEKID     string
	Sealed    []byte
	Created   time.Time
}

func (s *ImportSigner) aad() []byte { return []byte("import-signer/" + s.OrgID + "/" + s.ID) }

// SignerView is one signer of GET /signers.
type SignerView struct {
	SignerID      string `json:"signerId"`
	EncryptionKey string `json:"encryptionKey"`
}

// SignersView is the body of GET /signers (dfns-sdk-go signers
// ListSignersResponse: {clusters: [...]}).
type SignersView struct {
	Clusters []ClusterView `json:"clusters"`
}

// ClusterView is one signer cluster.
type ClusterView struct {
	ClusterID string       `json:"clusterId"`
	Signers   []SignerView `json:"signers"`
}

// importSigners returns the org's signers sorted by raw id, creating them
// on first use.
func (s *Service) importSigners(ctx context.Context, org string) ([]*ImportSigner, error) {
	s.signersMu.Lock()
	defer s.signersMu.Unlock()
	ss, err := s.store.ImportSigners(ctx, org)
	if err != nil {
		return nil, err
	}
	var made []*ImportSigner
	for len(ss)+len(made) < importSignerCount {
		k, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			return nil, err
		}
		sg := &ImportSigner{ID: id.New("signer"), OrgID: org, PublicKey: k.PubKey().SerializeCompressed(), Created: s.now()}
		b := k.Serialize()
		k.Zero()
		sg.KEKID, sg.Sealed, err = s.sealer.Seal(b, sg.aad())
		clear(b)
		if err != nil {
			return nil, err
		}
		made = append(made, sg)
	}
	if len(made) > 0 {
		// The cluster is stored whole or not at all.
		if err := s.store.Tx(ctx, func(ctx context.Context) error {
			for _, sg := range made {
				if err := s.store.CreateImportSigner(ctx, sg); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
		ss = append(ss, made...)
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].ID < ss[j].ID })
	return ss, nil
}

// Signers serves GET /signers: one cluster of the org's import signers.
func (s *Service) Signers(ctx context.Context, p *principal.Principal) (SignersView, error) {
	ss, err := s.importSigners(ctx, p.OrgID)
	if err != nil {
		return SignersView{}, err
	}
	c := ClusterView{ClusterID: "custos-" + p.OrgID, Signers: make([]SignerView, 0, len(ss))}
	for _, sg := range ss {
		pub, err := secp256k1.ParsePubKey(sg.PublicKey)
		if err != nil {
			return SignersView{}, fmt.Errorf("import signer %s: %w", sg.ID, err)
		}
		c.Signers = append(c.Signers, SignerView{SignerID: base64.StdEncoding.EncodeToString([]byte(sg.ID)),
			EncryptionKey: encodeEncryptionKey(pub)})
	}
	return SignersView{Clusters: []ClusterView{c}}, nil
}

// ImportInput is the body of POST /keys/import.
type ImportInput struct {
	Name               *string          `json:"name"`
	Curve              string           `json:"curve"`
	Protocol           string           `json:"protocol"`
	MinSigners         int              `json:"minSigners"`
	EncryptedKeyShares []EncryptedShare `json:"encryptedKeyShares"`
	MasterKey          *bool            `json:"masterKey"`
}

// importShare is the plaintext of one imported key share.
type importShare struct {
	Version      int         `json:"version"`
	SecretShare  scalarJSON  `json:"secret_share"`
	PublicShares []pointJSON `json:"public_shares"`
}

// pointJSON is a generic-ec point in its default form.
type pointJSON struct {
	Curve string `json:"curve"`
	Point string `json:"point"`
}

// Import serves POST /keys/import; act, when not nil, is consumed with
// the stored key.
func (s *Service) Import(ctx context.Context, p *principal.Principal, act Action, in *ImportInput) (View, error) {
	if in.MasterKey != nil && *in.MasterKey {
		return View{}, apierr.BadRequest("masterKey is not supported yet")
	}
	if err := in.check(); err != nil {
		return View{}, err
	}
	var scheme string
	switch {
	case (in.Protocol == protoCGGMP21 || in.Protocol == protoCGGMP24) && in.Curve == chain.CurveSecp256k1:
		scheme = chain.SchemeECDSA
	case in.Protocol == protoFROSTBitcoin && in.Curve == chain.CurveSecp256k1:
		scheme = chain.SchemeSchnorr
	case in.Protocol == protoFROST && in.Curve == chain.CurveEd25519:
		return View{}, apierr.BadRequest("importing FROST/ed25519 keys is not supported yet")
	default:
		return View{}, apierr.BadRequest("protocol %q with curve %q cannot be imported", clip(in.Protocol), clip(in.Curve))
	}
	ss, err := s.importSigners(ctx, p.OrgID)
	if err != nil {
		return View{}, err
	}
	n := len(in.EncryptedKeyShares)
	if in.MinSigners < 2 || in.MinSigners > len(ss) || n < in.MinSigners {
		return View{}, apierr.BadRequest("minSigners must be between 2 and %d and at most the number of shares", len(ss))
	}
	secret, err := s.rebuild(ss, in)
	if err != nil {
		return View{}, err
	}
	k := &Key{ID: id.New("key"), OrgID: p.OrgID, Scheme: scheme, Curve: in.Curve, Status: StatusActive, Custodial: true,
		Imported: true, CreatedBy: p.UserID, Created: s.now()}
	if in.Name != nil {
		k.Name = *in.Name
	}
	pub, m, err := s.backend.Import(ctx, scheme, in.Curve, secret, k.AAD())
	clear(secret)
	if err != nil {
		return View{}, err
	}
	k.PublicKey, k.Material = pub.PublicKey, m
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.store.CreateKey(ctx, k); err != nil {
			return err
		}
		return s.emit(ctx, k.OrgID, keyEvent("key.created", k))
	}); err != nil {
		return View{}, err
	}
	return ViewOf(k), nil
}

// rebuild decrypts and checks the shares and returns the 32-byte secret.
func (s *Service) rebuild(ss []*ImportSigner, in *ImportInput) ([]byte, error) {
	var xs, ys []*big.Int
	var public [][]byte
	seen := map[int]bool{}
	for _, es := range in.EncryptedKeyShares {
		rawID, err := base64.StdEncoding.DecodeString(es.SignerID)
		if err != nil {
			return nil, apierr.BadRequest("signerId must be base64")
		}
		idx := -1
		for i, sg := range ss {
			if bytes.Equal([]byte(sg.ID), rawID) {
				idx = i
			}
		}
		if idx < 0 || seen[idx] {
			return nil, apierr.BadRequest("signerId is not one of this organisation's signers, or is repeated")
		}
		seen[idx] = true
		share, err := s.openShare(ss[idx], es.EncryptedKeyShare)
		if err != nil {
			return nil, err
		}
		y, err := share.SecretShare.parse(chain.CurveSecp256k1, secp256k1N)
		if err != nil {
			return nil, apierr.BadRequest("key share: %s", err.Error())
		}
		pubs, err := parsePoints(share.PublicShares, len(ss))
		if err != nil {
			return nil, err
		}
		if public == nil {
			public = pubs
		}
		if !samePoints(public, pubs) || !bytes.Equal(scalarBase(y), public[idx]) {
			return nil, apierr.BadRequest("key shares are inconsistent with their public shares")
		}
		xs, ys = append(xs, big.NewInt(int64(idx+1))), append(ys, y)
	}
	t := in.MinSigners
	first := interpolate(xs[:t], ys[:t], secp256k1N)
	last := interpolate(xs[len(xs)-t:], ys[len(ys)-t:], secp256k1N)
	if first.Cmp(last) != 0 || first.Sign() == 0 {
		return nil, apierr.BadRequest("key shares do not lie on one polynomial of degree minSigners-1")
	}
	out := make([]byte, 32)
	first.FillBytes(out)
	first.SetInt64(0)
	last.SetInt64(0)
	return out, nil
}

// openShare decrypts one share with signer sg's sealed key.
func (s *Service) openShare(sg *ImportSigner, ct64 string) (*importShare, error) {
	ct, err := base64.StdEncoding.DecodeString(ct64)
	if err != nil {
		return nil, apierr.BadRequest("encryptedKeyShare must be base64")
	}
	b, err := s.sealer.Open(sg.KEKID, sg.Sealed, sg.aad())
	if err != nil {
		return nil, fmt.Errorf("open import signer %s: %w", sg.ID, err)
	}
	var d secp256k1.ModNScalar
	d.SetByteSlice(b)
	clear(b)
	pt, err := eciesDecrypt(&d, ct, nil)
	d.Zero()
	if err != nil {
		return nil, apierr.BadRequest("a key share does not decrypt with its signer's key")
	}
	defer clear(pt)
	var sh importShare
	if err := json.Unmarshal(pt, &sh); err != nil || sh.Version != 1 {
		return nil, apierr.BadRequest("a key share is not a version 1 key-import share")
	}
	return &sh, nil
}

// parsePoints parses n secp256k1 public shares as compressed bytes.
func parsePoints(ps []pointJSON, n int) ([][]byte, error) {
	if len(ps) != n {
		return nil, apierr.BadRequest("a key share must list %d public shares", n)
	}
	out := make([][]byte, 0, n)
	for _, p := range ps {
		b, err := hex.DecodeString(p.Point)
		if p.Curve != chain.CurveSecp256k1 || err != nil {
			return nil, apierr.BadRequest("public shares must be secp256k1 points in hex")
		}
		pub, err := secp256k1.ParsePubKey(b)
		if err != nil {
			return nil, apierr.BadRequest("a public share is not a valid point")
		}
		out = append(out, pub.SerializeCompressed())
	}
	return out, nil
}

func samePoints(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// scalarBase returns compressed(v·G).
func scalarBase(v *big.Int) []byte {
	b := make([]byte, 32)
	v.FillBytes(b)
	k := secp256k1.PrivKeyFromBytes(b)
	clear(b)
	defer k.Zero()
	return k.PubKey().SerializeCompressed()
}
