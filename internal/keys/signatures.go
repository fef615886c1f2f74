package keys

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/all"
	"github.com/custos-dev/custos/internal/chain/keyonly"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// ErrDuplicateExternalID is returned by Store.CreateSignatureRequest when
// the org already has a request with the same externalId.
var ErrDuplicateExternalID = errors.New("keys: duplicate externalId")

// envelope is what the service reads of a signature request body; the
// adapters read the kind-specific fields.
type envelope struct {
	Kind       string  `json:"kind"`
	Network    *string `json:"network"`
	ExternalID *string `json:"externalId"`
}

// Target is what a signature request signs with: a key, and for wallet
// requests the wallet's id, network and tags.
type Target struct {
	Key        *Key
	WalletID   string
	Network    string
	WalletTags []string
}

// Action is the user action that authorised a request: the unit of work
// that stores what it authorised spends it (auth.Pending is one).
type Action = store.Consumer

// Sign serves POST /keys/{keyId}/signatures: without network the request is
// signed by keyonly.SignGeneric (Hash, Message); with one, by that network's
// adapter once the key fits the network. act, when not nil, is consumed
// with the stored request.
func (s *Service) Sign(ctx context.Context, p *principal.Principal, act Action, keyID string, body []byte) (SignatureView, error) {
	k, err := s.Load(ctx, p, keyID)
	if err != nil {
		return SignatureView{}, err
	}
	return s.SignWith(ctx, p, act, Target{Key: k}, body)
}

// SignWith runs a signature request against t. For a wallet target the
// body's network, if any, must be the wallet's.
//
// The request is validated (by a dry run of the adapter with a signer that
// refuses), checked for externalId idempotency
// (docs/protocol/permissions.md §3), evaluated by the policy seam,
// signed when the policy allows, and stored once with its outcome, in one
// unit of work with the consumption of act (when not nil). A request that
// is not stored (bad input, an externalId replay) leaves act to its caller.
func (s *Service) SignWith(ctx context.Context, p *principal.Principal, act Action, t Target, body []byte) (SignatureView, error) {
	if err := CheckSigner(p, t.Key.DelegatedTo); err != nil {
		return SignatureView{}, err
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return SignatureView{}, apierr.BadRequest("request body must be a JSON object with kind, network and externalId as strings")
	}
	if env.Kind == "" {
		return SignatureView{}, apierr.BadRequest("kind is required")
	}
	if err := env.check(); err != nil {
		return SignatureView{}, err
	}
	network := t.Network
	if env.Network != nil {
		switch {
		case t.WalletID != "" && *env.Network != t.Network:
			return SignatureView{}, apierr.BadRequest("network %s is not the wallet's network %s", clip(*env.Network), t.Network)
		case t.WalletID == "":
			network = *env.Network
		}
	}
	ext := ""
	if env.ExternalID != nil {
		ext = *env.ExternalID
	}
	compact, err := compactJSON(body)
	if err != nil {
		return SignatureView{}, err
	}
	if ext != "" {
		if v, done, err := s.replay(ctx, p, t, ext, compact); done {
			return v, err
		}
	}

	k := t.Key
	if k.Status != StatusActive {
		return SignatureView{}, apierr.BadRequest("key %s is archived and cannot sign", k.ID)
	}
	if k.Scheme == SchemeDH {
		return SignatureView{}, apierr.BadRequest("DH keys cannot sign; they only derive")
	}
	sign, err := signFunc(network, k.Chain(), chain.Request{Kind: env.Kind, Body: compact})
	if err != nil {
		return SignatureView{}, err
	}
	// Dry run: input errors surface here, before policy and storage.
	if _, err := sign(ctx, refuser{}); !errors.Is(err, errDryRun) && err != nil {
		return SignatureView{}, inputError(err)
	}

	sigID := id.New("sig")
	d, err := s.policy.Evaluate(ctx, policy.Activity{Kind: policy.KindWalletsSign, Principal: p, KeyID: k.ID,
		WalletID: t.WalletID, WalletTags: t.WalletTags, Network: network, RequestKind: env.Kind, Body: compact,
		Key: k.Chain(), RequestID: sigID})
	if err != nil {
		return SignatureView{}, fmt.Errorf("evaluate policies: %w", err)
	}
	now := s.now()
	r := &SignatureRequest{ID: sigID, OrgID: p.OrgID, KeyID: k.ID, WalletID: t.WalletID, Network: network,
		Requester: Requester{UserID: p.UserID, TokenID: p.TokenID, AppID: p.AppID}, Body: compact,
		ExternalID: ext, Requested: now, PolicyResolved: now, Status: SigExecuting}
	switch d.Outcome {
	case policy.Pending:
		r.Status, r.ApprovalID, r.PolicyResolved = SigPending, d.ApprovalID, time.Time{}
	case policy.Deny:
		r.Status, r.Reason = SigRejected, d.Reason
	}
	var failure error
	if r.Status == SigExecuting {
		// Sign first, then store the request once with its outcome: one
		// write instead of two on the hot path. The write is detached from
		// the client's context, so a signature made is always recorded
		// (unless the user action is refused: then nothing is stored).
		if failure, err = s.execute(ctx, r, k, sign); err != nil {
			return SignatureView{}, err
		}
	}
	if err := s.store.Tx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if act != nil {
			if err := act.Consume(ctx); err != nil {
				return err
			}
		}
		if err := s.store.CreateSignatureRequest(ctx, r); err != nil {
			return err
		}
		if d.Commit != nil {
			// The evaluation (and the approval a Pending request waits
			// for) is stored with the request.
			if err := d.Commit(ctx, SignActivity(r)); err != nil {
				return err
			}
		}
		return s.emit(ctx, r.OrgID, signatureEvents(r)...)
	}); err != nil {
		if errors.Is(err, ErrDuplicateExternalID) {
			// Lost a race with the same externalId: the first one stands.
			v, _, err := s.replay(ctx, p, t, ext, compact)
			return v, err
		}
		return SignatureView{}, err
	}
	if r.Status == SigFailed {
		return SignatureView{}, apierr.Internal(fmt.Errorf("sign request %s with key %s: %w", r.ID, k.ID, failure))
	}
	return SignatureViewOf(r), nil
}

// execute signs an Executing request, setting its status to Signed, or to
// Failed with the cause returned as failure. Input errors only the real
// signing can see (e.g. a later PSBT input) are returned as err: such a
// request is never accepted, so it is not stored.
func (s *Service) execute(ctx context.Context, r *SignatureRequest, k *Key, sign func(context.Context, chain.Signer) (*chain.Result, error)) (failure, err error) {
	signer, err := s.backend.Signer(ctx, k.Chain(), k.Material, k.AAD())
	var res *chain.Result
	if err == nil {
		res, err = sign(ctx, signer)
	}
	if err != nil {
		if isStatus(err, http.StatusBadRequest) {
			return nil, err
		}
		r.Status, r.Reason = SigFailed, "signing failed"
		return err, nil
	}
	r.Status, r.Result, r.Signed = SigSigned, res, s.now()
	return nil, nil
}

// replay answers a request whose externalId is already used in the org:
// the same target and body get the original request back, anything else
// is a 409 naming the duplicate. done is false when ext is unused.
func (s *Service) replay(ctx context.Context, p *principal.Principal, t Target, ext string, body []byte) (v SignatureView, done bool, err error) {
	prev, err := s.store.SignatureRequestByExternalID(ctx, p.OrgID, ext)
	if isStatus(err, http.StatusNotFound) {
		return SignatureView{}, false, nil
	}
	if err != nil {
		return SignatureView{}, true, err
	}
	if prev.KeyID != t.Key.ID || prev.WalletID != t.WalletID || !sameJSON(prev.Body, body) {
		return SignatureView{}, true, apierr.Conflict("Conflicting signature request with same externalId").
			WithDetails(map[string]any{"duplicate": map[string]any{"id": prev.ID, "externalId": ext}})
	}
	return SignatureViewOf(prev), true, nil
}

// signFunc picks the adapter for network ("" = no network) and returns a
// function signing req with key through a given signer.
func signFunc(network string, key chain.Key, req chain.Request) (func(context.Context, chain.Signer) (*chain.Result, error), error) {
	if network == "" {
		return func(ctx context.Context, s chain.Signer) (*chain.Result, error) {
			return keyonly.SignGeneric(ctx, key, s, req)
		}, nil
	}
	a, err := Adapter(network)
	if err != nil {
		return nil, err
	}
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	return func(ctx context.Context, s chain.Signer) (*chain.Result, error) {
		return a.Sign(ctx, network, key, s, req)
	}, nil
}

// Adapter returns the adapter of network, or a 400 that says whether the
// network is unknown or not supported yet.
func Adapter(network string) (chain.Adapter, error) {
	if a, ok := all.For(network); ok {
		return a, nil
	}
	if all.Known(network) {
		return nil, apierr.BadRequest("network %s not supported yet", network)
	}
	return nil, apierr.BadRequest("unknown network %q", clip(network))
}

// errDryRun is what refuser returns instead of signing.
var errDryRun = errors.New("keys: dry run")

// refuser is a chain.Signer that refuses every call; a dry run of an
// adapter with it validates a request without signing.
type refuser struct{}

func (refuser) SignECDSA(context.Context, []byte) ([]byte, byte, error) { return nil, 0, errDryRun }
func (refuser) SignEdDSA(context.Context, []byte) ([]byte, error)       { return nil, errDryRun }
func (refuser) SignStark(context.Context, []byte) ([]byte, []byte, error) {
	return nil, nil, errDryRun
}
func (refuser) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errDryRun
}

// inputError passes 4xx API errors through and hides anything else.
func inputError(err error) error {
	var e *apierr.Error
	if errors.As(err, &e) && e.Status < 500 {
		return e
	}
	return apierr.Internal(err)
}

// GetSignature serves GET …/signatures/{signatureId} for a key (walletID
// "") or a wallet.
func (s *Service) GetSignature(ctx context.Context, p *principal.Principal, keyID, walletID, sigID string) (SignatureView, error) {
	if !id.Valid("sig", sigID) {
		return SignatureView{}, apierr.NotFound("signature request %s not found", clip(sigID))
	}
	r, err := s.store.SignatureRequest(ctx, p.OrgID, sigID)
	if err != nil {
		return SignatureView{}, err
	}
	if (keyID != "" && r.KeyID != keyID) || (walletID != "" && r.WalletID != walletID) {
		return SignatureView{}, apierr.NotFound("signature request %s not found", sigID)
	}
	return SignatureViewOf(r), nil
}

// ListSignatures lists the requests of a key or of a wallet.
func (s *Service) ListSignatures(ctx context.Context, p *principal.Principal, f SignatureFilter, pg identity.Page) (SignatureList, error) {
	rs, next, err := s.store.SignatureRequests(ctx, p.OrgID, f, pg)
	if err != nil {
		return SignatureList{}, err
	}
	out := SignatureList{Items: make([]SignatureView, 0, len(rs)), NextPageToken: next}
	for _, r := range rs {
		out.Items = append(out.Items, SignatureViewOf(r))
	}
	return out, nil
}

// compactJSON returns body without insignificant white space, or a 400.
func compactJSON(body []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, body); err != nil {
		return nil, apierr.BadRequest("request body is not valid JSON")
	}
	return b.Bytes(), nil
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// decodeHex decodes hex with an optional 0x prefix, or returns a 400
// naming field.
func decodeHex(field, s string) ([]byte, error) {
	b, err := hex.DecodeString(trim0x(s))
	if err != nil {
		return nil, apierr.BadRequest("%s must be hex", field)
	}
	return b, nil
}
