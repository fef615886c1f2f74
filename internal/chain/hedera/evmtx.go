package hedera

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
	"github.com/custos-dev/custos/internal/chain/evm"
)

// EVM chain ids of the Hedera networks' JSON-RPC relay (HIP-26 and the
// chainlist entries 295 and 296).
var chainIDs = map[string]int64{NetworkHedera: 295, NetworkHederaTestnet: 296}

// isEVM reports whether the transaction field of a Transaction request is
// an EVM transaction rather than a Hedera TransactionList: a JSON object
// (EvmTransactionJson), or hex whose first byte is not the TransactionList
// field key 0x0a (EVM typed transactions start with their type byte,
// legacy ones with an RLP list header of 0xc0 or more).
func isEVM(body json.RawMessage) bool {
	var in struct {
		Transaction json.RawMessage `json:"transaction"`
	}
	if json.Unmarshal(body, &in) != nil {
		return false
	}
	raw := bytes.TrimSpace(in.Transaction)
	if len(raw) > 0 && raw[0] == '{' {
		return true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	return len(s) >= 2 && !strings.EqualFold(s[:2], "0a")
}

// signEVM signs an unsigned EVM transaction for the network's chain id,
// as the EVM adapter does: the signature (r, s, recid) and the signed
// transaction, ready for the relay's eth_sendRawTransaction.
func signEVM(ctx context.Context, network string, key chain.Key, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	if key.Curve != chain.CurveSecp256k1 {
		return nil, apierr.BadRequest("an EVM transaction on %s needs a secp256k1 key; this wallet's key is %s", network, key.Curve)
	}
	var in struct {
		Transaction json.RawMessage `json:"transaction"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if len(in.Transaction) > 2*chainkit.MaxPayload+2 {
		return nil, apierr.BadRequest("transaction is larger than %d bytes", chainkit.MaxPayload)
	}
	id := chainIDs[network]
	tx, err := evm.DecodeUnsigned(in.Transaction, id)
	if err != nil {
		return nil, err
	}
	signed, err := evm.SignTx(ctx, key, s, id, tx)
	if err != nil {
		return nil, err
	}
	enc, err := signed.MarshalBinary()
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("encode signed transaction: %w", err))
	}
	v, r, ss := signed.RawSignatureValues()
	rs := make([]byte, 64)
	r.FillBytes(rs[:32])
	ss.FillBytes(rs[32:])
	recid := byte(v.Uint64() & 1)
	if signed.Type() == 0 { // legacy: v = chainId*2 + 35 + recid
		recid = byte((v.Uint64() - 35 - 2*uint64(id)) & 1)
	}
	return chainkit.Result(rs, &recid, nil, enc), nil
}
