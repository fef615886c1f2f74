package evmwallet

import (
	"context"
	"encoding/json"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
)

// replay answers a request whose externalId the org already used for the
// same kind: the same wallet and body get the stored request back,
// anything else is a 409. done is false when ext is unused.
func (s *Service) replay(ctx context.Context, p *principal.Principal, walletID string, transfer bool, ext string, body []byte) (View, bool, error) {
	return Replay(ctx, s.store, p.OrgID, walletID, transfer, ext, body)
}

// Get serves GET …/transfers/{id} and …/transactions/{id}.
func (s *Service) Get(ctx context.Context, p *principal.Principal, walletID, reqID string, transfer bool) (View, error) {
	w, err := s.wallets.Load(ctx, p, walletID)
	if err != nil {
		return View{}, err
	}
	prefix := "tx"
	if transfer {
		prefix = "xfr"
	}
	if !id.Valid(prefix, reqID) {
		return View{}, apierr.NotFound("%s %s not found", what(transfer), clip(reqID))
	}
	r, err := s.store.EVMRequest(ctx, p.OrgID, reqID)
	if err != nil {
		return View{}, err
	}
	if r.WalletID != w.ID || r.Transfer != transfer {
		return View{}, apierr.NotFound("%s %s not found", what(transfer), clip(reqID))
	}
	return ViewOf(r), nil
}

// List serves GET …/transfers and …/transactions.
func (s *Service) List(ctx context.Context, p *principal.Principal, walletID string, transfer bool, pg identity.Page) (ListView, error) {
	w, err := s.wallets.Load(ctx, p, walletID)
	if err != nil {
		return ListView{}, err
	}
	rs, next, err := s.store.EVMRequests(ctx, p.OrgID, w.ID, transfer, pg)
	if err != nil {
		return ListView{}, err
	}
	out := ListView{WalletID: w.ID, Items: make([]View, 0, len(rs)), NextPageToken: next}
	for _, r := range rs {
		out.Items = append(out.Items, ViewOf(r))
	}
	return out, nil
}

func what(transfer bool) string {
	if transfer {
		return "transfer"
	}
	return "transaction"
}

// compactJSON is body without insignificant whitespace.
func compactJSON(body []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, apierr.BadRequest("request body must be a JSON object")
	}
	return json.Marshal(v)
}

// sameJSON reports whether two bodies hold the same JSON value.
func sameJSON(a, b []byte) bool {
	ca, err1 := compactJSON(a)
	cb, err2 := compactJSON(b)
	return err1 == nil && err2 == nil && string(ca) == string(cb)
}
