package btcwallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// errHasReplacement rolls back a speed-up whose transfer got a replacement
// (or left Broadcasted) meanwhile.
var errHasReplacement = errors.New("btcwallet: replaced already")

// SpeedUp serves POST …/transfers/{transferId}/speed-up for Bitcoin-family
// wallets (docs/protocol/btc-transfers.md §4a): replace-by-fee. The
// transfer must be Broadcasted and not replaced yet, built by Custos (one
// recipient output, change back to the wallet), its change not spent by a
// later request. The replacement spends the same inputs and pays the
// recipient the same amount, with a higher fee taken from the change; it
// is signed, stored as a new TransactionRequest (SpeedUpTransaction) in
// the unit of work that spends act and records it as the transfer's
// replacement (once), then sent. Whichever of the two is mined is
// Confirmed; the follower fails the other.
func (s *Service) SpeedUp(ctx context.Context, p *principal.Principal, act store.Consumer, walletID, reqID string, transfer bool) (evmwallet.View, error) {
	w, err := s.btcWallet(ctx, p, walletID)
	if err != nil {
		return evmwallet.View{}, err
	}
	prefix := "tx"
	if transfer {
		prefix = "xfr"
	}
	if !id.Valid(prefix, reqID) {
		return evmwallet.View{}, apierr.NotFound("request %s not found", clip(reqID))
	}
	orig, err := s.store.EVMRequest(ctx, p.OrgID, reqID)
	if err != nil {
		return evmwallet.View{}, err
	}
	if orig.WalletID != w.ID || orig.Transfer != transfer {
		return evmwallet.View{}, apierr.NotFound("request %s not found", clip(reqID))
	}
	n, err := s.node(w.Network)
	if err != nil {
		return evmwallet.View{}, err
	}
	switch {
	case !transfer:
		return evmwallet.View{}, apierr.BadRequest("speed-up of Psbt transactions is not supported: only transfers Custos built")
	case orig.Status != evmwallet.StatusBroadcasted:
		return evmwallet.View{}, apierr.BadRequest("transfer %s is %s: only a Broadcasted transfer (sent, not mined) can be sped up", orig.ID, orig.Status)
	case orig.ReplacementID != "":
		return evmwallet.View{}, apierr.Conflict("transfer %s was replaced already by %s", orig.ID, orig.ReplacementID)
	}
	unsigned, err := s.bumped(ctx, n, w.Address, orig)
	if err != nil {
		return evmwallet.View{}, err
	}
	raw, txid, err := s.signPsbt(ctx, w.Network, w.OrgID, w.KeyID, unsigned)
	if err != nil {
		return evmwallet.View{}, err
	}
	body, _ := json.Marshal(map[string]string{"kind": evmwallet.KindSpeedUp, "txHash": orig.TxHash, "signedTx": raw})
	r := s.newRequest(p, w, false, body, "")
	r.Unsigned, r.Signed, r.TxHash = unsigned, raw, txid
	err = store.Run(context.WithoutCancel(ctx), s.store, act, func(ctx context.Context) error {
		ok, err := s.store.SetEVMReplacement(ctx, orig.OrgID, orig.ID, r.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errHasReplacement
		}
		// The transfer's change is no longer the wallet's to spend before
		// it is mined: which of the two is mined is not known.
		if err := s.store.DropPendingOutputs(ctx, orig.Network, orig.TxHash); err != nil {
			return err
		}
		if err := s.store.CreateEVMRequest(ctx, r); err != nil {
			return err
		}
		return s.emit(ctx, r)
	})
	if errors.Is(err, errHasReplacement) {
		return evmwallet.View{}, apierr.Conflict("transfer %s is no longer Broadcasted, or was replaced meanwhile", orig.ID)
	}
	if err != nil {
		return evmwallet.View{}, err
	}
	if err := s.execute(context.WithoutCancel(ctx), r, w.KeyID); err != nil {
		s.logger.Warn("btc replacement left for the worker", "request", r.ID, "error", err.Error())
	}
	return evmwallet.ViewOf(r), nil
}

// bumped is the unsigned PSBT that replaces orig's transaction: the same
// inputs and recipient output, and a fee at least a tenth (and 1 sat/vB)
// above the original's rate and at least the network's Fast rate, taken
// from the change (which goes entirely to the fee when what is left of it
// is dust). A 400 when orig's transaction cannot be replaced so.
func (s *Service) bumped(ctx context.Context, n *Node, address string, orig *evmwallet.Request) (string, error) {
	rawTx, err := hex.DecodeString(orig.Signed)
	if err != nil {
		return "", err
	}
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(rawTx)); err != nil {
		return "", err
	}
	mine, _, err := walletScript(n.Params, address)
	if err != nil {
		return "", err
	}
	ops := make([]OutPoint, 0, len(tx.TxIn))
	for _, in := range tx.TxIn {
		if in.Sequence >= wire.MaxTxInSequenceNum-1 {
			return "", apierr.BadRequest("transfer %s does not signal replace-by-fee", orig.ID)
		}
		ops = append(ops, OutPoint{in.PreviousOutPoint.Hash.String(), in.PreviousOutPoint.Index})
	}
	known, err := s.store.WalletOutputs(ctx, orig.Network, ops)
	if err != nil {
		return "", err
	}
	byOp := map[OutPoint]*Output{}
	var in int64
	for _, o := range known {
		byOp[OutPoint{o.TxHash, o.Vout}] = o
		in += o.Value
	}
	inputs := make([]*Output, 0, len(ops))
	for _, op := range ops {
		o := byOp[op]
		if o == nil || o.WalletID != orig.WalletID {
			return "", apierr.BadRequest("transfer %s spends outputs that are not the wallet's", orig.ID)
		}
		inputs = append(inputs, o)
	}
	if len(tx.TxOut) < 1 || len(tx.TxOut) > 2 || bytes.Equal(tx.TxOut[0].PkScript, mine) ||
		(len(tx.TxOut) == 2 && !bytes.Equal(tx.TxOut[1].PkScript, mine)) {
		return "", apierr.BadRequest("transfer %s is not one Custos built (a recipient, then change)", orig.ID)
	}
	var out int64
	for _, o := range tx.TxOut {
		out += o.Value
	}
	var change int64
	if len(tx.TxOut) == 2 {
		change = tx.TxOut[1].Value
		// A later request may spend the change: replacing its parent
		// would strand it.
		ch, err := s.store.WalletOutputs(ctx, orig.Network, []OutPoint{{orig.TxHash, 1}})
		if err != nil {
			return "", err
		}
		if len(ch) == 1 && (ch[0].SpentTx != "" || ch[0].ReservedBy != "") {
			return "", apierr.BadRequest("the change of transfer %s is spent by a later request: it cannot be replaced", orig.ID)
		}
	}
	size := (blockchain.GetTransactionWeight(btcutil.NewTx(&tx)) + 3) / 4
	oldFee := in - out
	fast, err := n.feeRate(ctx, "Fast")
	if err != nil {
		return "", jsonrpc.NodeError(n.Network, err)
	}
	rate := max(oldFee*11/(10*size)+1, fast)
	fee := max(rate*size, oldFee+size+1) // BIP-125: above the original's fee by the relay fee of its size
	newChange := change - (fee - oldFee)
	if newChange < 0 {
		return "", apierr.BadRequest("transfer %s has no change to pay a higher fee from", orig.ID)
	}
	if newChange < dustLimit(mine) {
		newChange = 0
	}
	sel := selection{inputs: inputs, change: newChange}
	pkt, err := buildPsbt(sel, tx.TxOut[0].Value, tx.TxOut[0].PkScript, mine)
	if err != nil {
		return "", err
	}
	return psbtHex(pkt)
}

// signPsbt signs the unsigned PSBT psbtHex of a wallet of network with its
// key, finalizes it and returns the signed transaction as hex with its id.
func (s *Service) signPsbt(ctx context.Context, network, org, keyID, psbtHex string) (raw, txid string, err error) {
	key, signer, err := s.signers.ChainSigner(ctx, org, keyID)
	if err != nil {
		return "", "", err
	}
	body, _ := json.Marshal(map[string]string{"psbt": psbtHex})
	res, err := btc.New().Sign(ctx, network, key, signer, chain.Request{Kind: "Psbt", Body: body})
	if err != nil {
		return "", "", err
	}
	pkt, err := readPsbt(res.SignedData)
	if err != nil {
		return "", "", err
	}
	if err := psbt.MaybeFinalizeAll(pkt); err != nil {
		return "", "", err
	}
	tx, err := psbt.Extract(pkt)
	if err != nil {
		return "", "", err
	}
	raw, err = txHex(tx)
	return raw, tx.TxHash().String(), err
}

// settleReplaced fails the open requests that a request settled in block
// number replaced or was replaced by (a speed-up and the transfer it
// replaces spend the same inputs: once one is mined, the others never
// will be), following replacement links both ways; it returns the
// transaction hashes whose pending change is to be forgotten.
func settleReplaced(br *blockRead, open map[string]*evmwallet.Request, number int64) []string {
	byID := map[string]*evmwallet.Request{}
	replacedBy := map[string]*evmwallet.Request{} // replacement id → the request it replaces
	for _, r := range open {
		byID[r.ID] = r
		if r.ReplacementID != "" {
			replacedBy[r.ReplacementID] = r
		}
	}
	done := map[string]bool{}
	for _, r := range br.settled {
		done[r.ID] = true
	}
	var dropped []string
	fail := func(r *evmwallet.Request, by string) {
		if r == nil || done[r.ID] {
			return
		}
		done[r.ID] = true
		br.finals = append(br.finals, evmwallet.Final{ID: r.ID, Status: evmwallet.StatusFailed, Block: number,
			At: time.Now().UTC().Truncate(time.Millisecond), Reason: "replaced: transaction " + by + " spending the same inputs was mined instead"})
		br.settled = append(br.settled, r)
		dropped = append(dropped, r.TxHash)
	}
	for _, r := range append([]*evmwallet.Request(nil), br.settled...) {
		// Links are set once, so they form chains; the hops are bounded
		// all the same.
		for up, hops := replacedBy[r.ID], 0; up != nil && hops < len(open); up, hops = replacedBy[up.ID], hops+1 {
			fail(up, r.TxHash)
		}
		for down, hops := byID[r.ReplacementID], 0; down != nil && hops < len(open); down, hops = byID[down.ReplacementID], hops+1 {
			fail(down, r.TxHash)
		}
	}
	return dropped
}
