package evmwallet

import (
	"context"
	"errors"
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// ErrLaterNonce is returned by Store.AbortEVMRequest when the request
// holds a nonce that is not the wallet's last allocated: failing it would
// leave a gap that stops every later transaction of the wallet.
var ErrLaterNonce = errors.New("evmwallet: a later nonce is allocated")

// errNotAbortable rolls back the unit of an abort that found the request
// past the point where it can be aborted (the user action is not spent).
var errNotAbortable = errors.New("evmwallet: not abortable")

// Abort serves PUT …/transfers/{id}/abort and …/transactions/{id}/abort
// for every chain family (docs/protocol/evm-transfers.md §4b): a request
// that is Executing and not signed yet — nothing of it reached a node —
// becomes Failed ("aborted by …") in the unit of work that spends act, and
// is never signed or sent afterwards (signing stores the signed form only
// while the request is Executing). release, when not nil, frees what the
// family holds for the request (a Bitcoin transfer's outputs) in that
// unit. Any other request is a 400; an EVM request whose nonce is followed
// by a later one is a 409.
func (s *Service) Abort(ctx context.Context, p *principal.Principal, act store.Consumer, walletID, reqID string, transfer bool,
	release func(ctx context.Context, r *Request) error) (View, error) {
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
	reason := "aborted by " + p.UserID
	err = store.Run(context.WithoutCancel(ctx), s.store, act, func(ctx context.Context) error {
		done, err := s.store.AbortEVMRequest(ctx, r.OrgID, r.ID, reason)
		if err != nil {
			return err
		}
		if !done {
			return errNotAbortable
		}
		if release != nil {
			if err := release(ctx, r); err != nil {
				return err
			}
		}
		f := *r
		f.Status, f.Reason = StatusFailed, reason
		return s.emit(ctx, &f)
	})
	if errors.Is(err, ErrLaterNonce) {
		return View{}, &apierr.Error{Status: http.StatusConflict, Message: "the " + what(transfer) +
			" holds a nonce a later transaction of the wallet follows: aborting it would stop them all; it is sent instead"}
	}
	if err != nil && !errors.Is(err, errNotAbortable) {
		return View{}, err
	}
	cur, cerr := s.store.EVMRequest(ctx, r.OrgID, r.ID)
	if cerr != nil {
		return View{}, cerr
	}
	if err != nil {
		return View{}, apierr.BadRequest("%s %s is %s%s: only an Executing %s that is not signed yet can be aborted",
			what(transfer), r.ID, cur.Status, signedNote(cur), what(transfer))
	}
	return ViewOf(cur), nil
}

// signedNote tells an Executing request that is signed (and may be on its
// way to the node) apart.
func signedNote(r *Request) string {
	if r.Status == StatusExecuting && r.Signed != "" {
		return " and signed"
	}
	return ""
}
