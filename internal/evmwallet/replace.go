package evmwallet

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// Kinds of the replacement transactions speed-up and cancel issue
// (docs/protocol/evm-transfers.md §4c).
const (
	KindSpeedUp = "SpeedUpTransaction"
	KindCancel  = "CancelTransaction"
)

// replacementBody is a replacement's requestBody: the hash of the
// transaction it replaces and its own signed form.
type replacementBody struct {
	Kind     string `json:"kind"`
	TxHash   string `json:"txHash"`
	SignedTx string `json:"signedTx"`
}

// errHasReplacement rolls back a replacement whose original got one
// meanwhile (a concurrent speed-up or cancel).
var errHasReplacement = errors.New("evmwallet: replaced already")

// Replace serves POST …/{transfers|transactions}/{id}/speed-up (cancel
// false) and …/cancel (cancel true) on EVM networks
// (docs/protocol/evm-transfers.md §4c). The request must be Broadcasted
// (out, not mined) and not replaced yet. A new transaction with the same
// nonce is signed — the same one at a higher fee (speed-up), or nothing
// to the wallet itself (cancel) — and stored as a new TransactionRequest,
// in the unit of work that spends act and records it as the original's
// replacement (once: of two concurrent calls one does it, the other is a
// 409), then sent. Whichever of the two the chain mines is Confirmed, and
// the follower fails the other.
func (s *Service) Replace(ctx context.Context, p *principal.Principal, act store.Consumer, walletID, reqID string, transfer, cancel bool) (View, error) {
	w, err := s.wallets.Load(ctx, p, walletID)
	if err != nil {
		return View{}, err
	}
	prefix, op := "tx", "speed-up"
	if transfer {
		prefix = "xfr"
	}
	if cancel {
		op = "cancel"
	}
	if !id.Valid(prefix, reqID) {
		return View{}, apierr.NotFound("%s %s not found", what(transfer), clip(reqID))
	}
	orig, err := s.store.EVMRequest(ctx, p.OrgID, reqID)
	if err != nil {
		return View{}, err
	}
	if orig.WalletID != w.ID || orig.Transfer != transfer {
		return View{}, apierr.NotFound("%s %s not found", what(transfer), clip(reqID))
	}
	n := s.nodes[w.Network]
	switch {
	case !s.Serves(w.Network):
		return View{}, apierr.BadRequest("%s is not supported on %s", op, w.Network)
	case n == nil:
		return View{}, noNode(w.Network)
	case orig.Status != StatusBroadcasted:
		return View{}, apierr.BadRequest("%s %s is %s: only a Broadcasted %s (sent, not mined) can be replaced", what(transfer), orig.ID,
			orig.Status, what(transfer))
	case orig.ReplacementID != "":
		return View{}, apierr.Conflict("%s %s was replaced already by %s", what(transfer), orig.ID, orig.ReplacementID)
	}
	var sent types.Transaction
	raw, err := hexBytes("signed_tx", orig.Signed)
	if err == nil {
		err = sent.UnmarshalBinary(raw)
	}
	if err != nil {
		return View{}, err
	}
	tx, err := s.replacement(ctx, n, &sent, orig, cancel)
	if err != nil {
		return View{}, err
	}
	key, signer, err := s.signers.ChainSigner(ctx, w.OrgID, w.KeyID)
	if err != nil {
		return View{}, err
	}
	signed, err := evm.SignTx(ctx, key, signer, n.ChainID, tx)
	if err != nil {
		return View{}, err
	}
	enc, err := signed.MarshalBinary()
	if err != nil {
		return View{}, err
	}
	unsigned, err := tx.MarshalBinary()
	if err != nil {
		return View{}, err
	}
	kind := KindSpeedUp
	if cancel {
		kind = KindCancel
	}
	body, _ := json.Marshal(replacementBody{Kind: kind, TxHash: orig.TxHash, SignedTx: hex0x(enc)})
	now := s.now()
	r := &Request{ID: id.New("tx"), OrgID: w.OrgID, WalletID: w.ID, Network: w.Network,
		Requester: Requester{UserID: p.UserID, TokenID: p.TokenID, AppID: p.AppID}, Body: body, Status: StatusExecuting,
		Sender: orig.Sender, Nonce: orig.Nonce, Unsigned: hex0x(unsigned), Signed: hex0x(enc), TxHash: signed.Hash().Hex(),
		Decimals: -1, Requested: now, PolicyResolved: now}
	// The replacement carries nothing the original did not (the same
	// payment, or nothing to the wallet itself): it is not evaluated
	// again. It is stored signed before it is sent.
	err = store.Run(context.WithoutCancel(ctx), s.store, act, func(ctx context.Context) error {
		ok, err := s.store.SetEVMReplacement(ctx, orig.OrgID, orig.ID, r.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errHasReplacement
		}
		if err := s.store.CreateEVMRequest(ctx, r); err != nil {
			return err
		}
		return s.emit(ctx, r)
	})
	if errors.Is(err, errHasReplacement) {
		return View{}, apierr.Conflict("%s %s is no longer Broadcasted, or was replaced meanwhile", what(transfer), orig.ID)
	}
	if err != nil {
		return View{}, err
	}
	if err := s.execute(context.WithoutCancel(ctx), r, w.KeyID); err != nil {
		// Stored and not lost: the worker retries it.
		s.logger.Warn("evm replacement left for the worker", "request", r.ID, "error", err.Error())
	}
	return ViewOf(r), nil
}

// replacement is the unsigned replacement of sent (the original's
// transaction): its nonce, with fees at least a tenth above sent's (what
// nodes require to replace a pooled transaction) and at least the
// network's Fast level; the same call (speed-up), or a plain transfer of
// nothing to the wallet itself (cancel). The wallet must be able to pay.
func (s *Service) replacement(ctx context.Context, n *Node, sent *types.Transaction, orig *Request, cancel bool) (*types.Transaction, error) {
	f, err := n.estimateFees(ctx)
	if err != nil {
		return nil, err
	}
	bump := func(old, fast *big.Int) *big.Int {
		v := new(big.Int).Mul(old, big.NewInt(11))
		v.Quo(v, big.NewInt(10)).Add(v, big.NewInt(1))
		if fast != nil && fast.Cmp(v) > 0 {
			return new(big.Int).Set(fast)
		}
		return v
	}
	to, value, data, gas := sent.To(), sent.Value(), sent.Data(), sent.Gas()
	sender := common.HexToAddress(orig.Sender)
	if cancel {
		to, value, data, gas = &sender, new(big.Int), nil, 21000
	}
	var tx *types.Transaction
	var cost *big.Int
	switch sent.Type() {
	case types.LegacyTxType:
		price := bump(sent.GasPrice(), f.Fast.FeeCap)
		tx = types.NewTx(&types.LegacyTx{Nonce: sent.Nonce(), GasPrice: price, Gas: gas, To: to, Value: value, Data: data})
		cost = new(big.Int).Mul(price, new(big.Int).SetUint64(gas))
	case types.DynamicFeeTxType:
		tip := bump(sent.GasTipCap(), f.Fast.Tip)
		feeCap := bump(sent.GasFeeCap(), f.Fast.FeeCap)
		if feeCap.Cmp(tip) < 0 {
			feeCap = new(big.Int).Set(tip)
		}
		tx = types.NewTx(&types.DynamicFeeTx{ChainID: sent.ChainId(), Nonce: sent.Nonce(), GasTipCap: tip, GasFeeCap: feeCap, Gas: gas,
			To: to, Value: value, Data: data})
		cost = new(big.Int).Mul(feeCap, new(big.Int).SetUint64(gas))
	default:
		return nil, apierr.BadRequest("the %s's transaction is of type %d, which speed-up and cancel do not replace", what(orig.Transfer), sent.Type())
	}
	balance, err := n.eth.PendingBalanceAt(ctx, sender)
	if err != nil {
		return nil, nodeError(n.Network, err)
	}
	// The original's own cost is not spent twice: only one of the two is
	// mined. The node's pending balance already counts it out, so it is
	// added back.
	balance = new(big.Int).Add(balance, sent.Cost())
	if cost.Add(cost, value).Cmp(balance) > 0 {
		return nil, &apierr.Error{Status: http.StatusBadRequest,
			Message: "insufficient funds for the replacement: it may cost " + cost.String() + " wei, the wallet holds " + balance.String()}
	}
	return tx, nil
}

// nonceKey names a wallet's nonce.
type nonceKey struct {
	sender string // lower-case address
	nonce  int64
}

// openByNonce indexes the open requests that were signed by their
// sender and nonce.
func openByNonce(open map[string]*Request) map[nonceKey][]*Request {
	out := make(map[nonceKey][]*Request, len(open))
	for _, r := range open {
		if r.Nonce >= 0 {
			k := nonceKey{strings.ToLower(r.Sender), r.Nonce}
			out[k] = append(out[k], r)
		}
	}
	return out
}

// replaced adds to finals the open requests of tx's sender and nonce whose
// transaction is not tx: tx, mined in block number, used their nonce, so
// they fail (docs/protocol/evm-transfers.md §4c).
func replaced(byNonce map[nonceKey][]*Request, tx rpcTx, number int64, finals []Final, settled []*Request) ([]Final, []*Request) {
	if tx.Nonce == nil {
		return finals, settled
	}
	for _, r := range byNonce[nonceKey{strings.ToLower(tx.From.Hex()), int64(*tx.Nonce)}] {
		if strings.EqualFold(r.TxHash, tx.Hash.Hex()) {
			continue
		}
		finals = append(finals, Final{ID: r.ID, Status: StatusFailed, Block: number, At: time.Now().UTC().Truncate(time.Millisecond),
			Reason: "replaced: transaction " + tx.Hash.Hex() + " with the same nonce was mined instead"})
		settled = append(settled, r)
	}
	return finals, settled
}
