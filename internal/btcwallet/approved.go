package btcwallet

import (
	"context"
	"errors"
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/wallet"
)

// Serves reports whether network is a Bitcoin-family network, whose
// approved requests CarryOut carries out (heldreq.Family).
func (s *Service) Serves(network string) bool { return IsNetwork(network) }

// CarryOut finishes an Executing request (heldreq.Family;
// docs/protocol/btc-transfers.md §6). A request an approval held is
// stored Pending with no output held and nothing built; approved, it
// moves to Executing in the unit of work of the final decision
// (internal/heldreq); then CarryOut (or the follower's resume after a
// crash) builds it — a transfer's outputs chosen now, with the fee rate
// the node gives now — and holds its outputs in one unit, then signs,
// stores it signed and sends it like any request. It does nothing for a
// request no longer Executing.
func (s *Service) CarryOut(ctx context.Context, r *evmwallet.Request) error {
	if r.Status != evmwallet.StatusExecuting {
		return nil
	}
	w, err := s.walletRows.Wallet(ctx, r.OrgID, r.WalletID)
	if err != nil {
		return err
	}
	if r.Unsigned == "" {
		// Whoever builds the transaction sends it; another server that
		// built it first is sending it (and should it die, the follower
		// takes it over).
		if built, err := s.build(ctx, w, r); err != nil || !built {
			return err
		}
	}
	return s.execute(ctx, r, w.KeyID)
}

// errBuilt rolls back a build that another server finished first.
var errBuilt = errors.New("btcwallet: already built")

// build prepares the PSBT of an approved request and, in one unit of work,
// stores it (provided none is stored yet) and holds the wallet's outputs
// it spends: of two servers racing, one builds it, and the other's unit
// rolls back (built false). A transfer chooses its outputs as a new one
// does (a concurrent transfer that took one makes it choose again). A
// request that cannot be carried out now (the wallet's outputs no longer
// pay it) ends Failed with the reason; a node out of reach leaves it
// Executing.
func (s *Service) build(ctx context.Context, w *wallet.Wallet, r *evmwallet.Request) (built bool, err error) {
	n := s.nodes[r.Network]
	if n == nil {
		return false, jsonrpc.NoNode(r.Network)
	}
	var prepare func(ctx context.Context) (string, []OutPoint, error)
	strict := r.Transfer
	if r.Transfer {
		var in *transferInput
		var c *chooser
		if in, err = checkTransfer(r.Network, r.Body); err == nil {
			c, err = s.newChooser(ctx, n, w, in)
		}
		prepare = func(ctx context.Context) (string, []OutPoint, error) {
			sel, unsigned, err := c.choose(ctx)
			if err != nil {
				return "", nil, err
			}
			ops := make([]OutPoint, 0, len(sel.inputs))
			for _, o := range sel.inputs {
				ops = append(ops, OutPoint{o.TxHash, o.Vout})
			}
			return unsigned, ops, nil
		}
	} else {
		var unsigned string
		var ops []OutPoint
		_, pkt, perr := checkTransaction(w, r.Body)
		if err = perr; err == nil {
			if unsigned, err = psbtHex(pkt); err == nil {
				for _, in := range pkt.UnsignedTx.TxIn {
					ops = append(ops, OutPoint{in.PreviousOutPoint.Hash.String(), in.PreviousOutPoint.Index})
				}
			}
		}
		prepare = func(context.Context) (string, []OutPoint, error) { return unsigned, ops, nil }
	}
	for attempt := 1; err == nil; attempt++ {
		var unsigned string
		err = s.store.Tx(ctx, func(ctx context.Context) error {
			var ops []OutPoint
			var err error
			if unsigned, ops, err = prepare(ctx); err != nil {
				return err
			}
			// The request's row first: a second builder waits on it,
			// then finds it built.
			ok, err := s.store.SetEVMUnsigned(ctx, r.ID, -1, unsigned)
			if err == nil && !ok {
				err = errBuilt
			}
			if err != nil {
				return err
			}
			return s.store.ReserveOutputs(ctx, r.Network, r.ID, ops, strict)
		})
		if err == nil {
			r.Unsigned = unsigned
			return true, nil
		}
		if errors.Is(err, ErrOutputsTaken) && attempt < reserveAttempts {
			err = nil
		}
	}
	if errors.Is(err, errBuilt) {
		return false, s.reload(ctx, r)
	}
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		return false, s.failUnbuilt(ctx, r, "the approved request cannot be carried out: "+ae.Message)
	}
	if errors.Is(err, ErrOutputsTaken) {
		return false, s.failUnbuilt(ctx, r, "the approved request cannot be carried out: its outputs are spent by other requests")
	}
	return false, err
}

// failUnbuilt fails r, unless another server built it meanwhile (and is
// sending it), and reloads it.
func (s *Service) failUnbuilt(ctx context.Context, r *evmwallet.Request, reason string) error {
	err := s.store.Tx(ctx, func(ctx context.Context) error {
		ok, err := s.store.FailUnbuiltEVMRequest(ctx, r.ID, reason)
		if err != nil || !ok {
			return err
		}
		f := *r
		f.Status, f.Reason = evmwallet.StatusFailed, reason
		return s.emit(ctx, &f)
	})
	if err != nil {
		return err
	}
	return s.reload(ctx, r)
}

// reload replaces r with its stored state.
func (s *Service) reload(ctx context.Context, r *evmwallet.Request) error {
	cur, err := s.store.EVMRequest(ctx, r.OrgID, r.ID)
	if err != nil {
		return err
	}
	*r = *cur
	return nil
}

// ReleaseAborted frees the outputs held for request r, which an abort
// fails (evmwallet.Service.Abort), in the unit of work of ctx.
func (s *Service) ReleaseAborted(ctx context.Context, r *evmwallet.Request) error {
	return s.store.ReleaseOutputs(ctx, r.ID)
}
