package evmwallet

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/evm"
)

// Serves reports whether network is an EVM network, whose approved
// requests CarryOut carries out (heldreq.Family).
func (s *Service) Serves(network string) bool {
	_, ok := evm.ChainID(network)
	return ok
}

// CarryOut finishes an Executing request (heldreq.Family;
// docs/protocol/evm-transfers.md §4a). A request an approval held is
// stored Pending with no nonce and nothing built; approved, it moves to
// Executing in the unit of work of the final decision (internal/heldreq);
// then CarryOut (or the follower's resume after a crash) prepares its
// transaction with fees and gas from the node, gives it a nonce and
// stores it unsigned in one unit, then signs, stores it signed, sends and
// follows it like any transfer's.
func (s *Service) CarryOut(ctx context.Context, r *Request) error { return s.carryOut(ctx, r) }

// carryOut finishes an Executing request: it builds the transaction of an
// approved request that has none yet (build), then signs, stores, sends
// and marks it (execute).
func (s *Service) carryOut(ctx context.Context, r *Request) error {
	if r.Status != StatusExecuting {
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
		if built, err := s.build(ctx, r); err != nil || !built {
			return err
		}
	}
	return s.execute(ctx, r, w.KeyID)
}

// errBuilt rolls back a build that another server finished first.
var errBuilt = errors.New("evmwallet: already built")

// build prepares the transaction of an approved request the way a new
// request's is prepared (fees, gas and funds read from the node now), then
// allocates its nonce and stores it unsigned in one unit of work, provided
// none is stored yet: of two servers racing, one builds it (the other's
// nonce allocation rolls back, and built is false). A request the node
// now refuses (funds spent, a call that would revert) ends Failed with the
// reason; a node out of reach leaves it Executing.
func (s *Service) build(ctx context.Context, r *Request) (built bool, err error) {
	n := s.nodes[r.Network]
	if n == nil {
		return false, noNode(r.Network)
	}
	sender := common.HexToAddress(r.Sender)
	var pl *plan
	if r.Transfer {
		pl, err = parseTransfer(r.Body, sender)
	} else {
		pl, err = parseTransaction(r.Body, n.ChainID)
	}
	if err == nil {
		err = s.prepare(ctx, n, sender, pl)
	}
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		return false, s.failUnbuilt(ctx, r, "the approved request cannot be carried out: "+ae.Message)
	}
	if err != nil {
		return false, err
	}
	var floor uint64
	if pl.nonce == nil {
		if floor, err = n.eth.NonceAt(ctx, sender, nil); err != nil {
			return false, nodeError(n.Network, err)
		}
	}
	var nonce int64
	var unsigned string
	err = s.store.Tx(ctx, func(ctx context.Context) error {
		tx, err := s.unsignedTx(ctx, r.WalletID, n.ChainID, pl, floor)
		if err != nil {
			return err
		}
		enc, err := tx.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode transaction: %w", err)
		}
		nonce, unsigned = int64(tx.Nonce()), hex0x(enc)
		ok, err := s.store.SetEVMUnsigned(ctx, r.ID, nonce, unsigned)
		if err == nil && !ok {
			err = errBuilt
		}
		return err
	})
	if errors.Is(err, errBuilt) {
		return false, s.reload(ctx, r)
	}
	if err != nil {
		return false, err
	}
	r.Nonce, r.Unsigned = nonce, unsigned
	return true, nil
}

// failUnbuilt fails r, unless another server built it meanwhile (and is
// sending it), and reloads it.
func (s *Service) failUnbuilt(ctx context.Context, r *Request, reason string) error {
	err := s.store.Tx(ctx, func(ctx context.Context) error {
		ok, err := s.store.FailUnbuiltEVMRequest(ctx, r.ID, reason)
		if err != nil || !ok {
			return err
		}
		f := *r
		f.Status, f.Reason = StatusFailed, reason
		return s.emit(ctx, &f)
	})
	if err != nil {
		return err
	}
	return s.reload(ctx, r)
}

// reload replaces r with its stored state.
func (s *Service) reload(ctx context.Context, r *Request) error {
	cur, err := s.store.EVMRequest(ctx, r.OrgID, r.ID)
	if err != nil {
		return err
	}
	*r = *cur
	return nil
}

// unsignedTx returns pl's transaction: the caller's own (its nonce moves
// the wallet's counter past it) or a new EIP-1559 one (a legacy one on a
// network without EIP-1559) with the wallet's next nonce, allocated in the
// unit of work of ctx.
func (s *Service) unsignedTx(ctx context.Context, walletID string, chainID int64, pl *plan, floor uint64) (*types.Transaction, error) {
	if pl.nonce != nil {
		if err := s.store.UseEVMNonce(ctx, walletID, *pl.nonce); err != nil {
			return nil, err
		}
	}
	if pl.prebuilt != nil {
		return pl.prebuilt, nil
	}
	var nonce uint64
	if pl.nonce != nil {
		nonce = *pl.nonce
	} else {
		var err error
		if nonce, err = s.store.AllocateEVMNonce(ctx, walletID, floor); err != nil {
			return nil, err
		}
	}
	if pl.legacy {
		// A network without EIP-1559: signed with EIP-155 (its chain id).
		return types.NewTx(&types.LegacyTx{Nonce: nonce, GasPrice: pl.feeCap, Gas: pl.gas, To: pl.to, Value: pl.value, Data: pl.data}), nil
	}
	return types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(chainID), Nonce: nonce, GasTipCap: pl.tip,
		GasFeeCap: pl.feeCap, Gas: pl.gas, To: pl.to, Value: pl.value, Data: pl.data}), nil
}
