package hedera

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/custos-dev/custos/internal/chain"
)

// TestSignEVM: an EVM transaction (typed or legacy) is signed for the
// relay's chain id (295, 296) and recovers to the wallet's EVM alias.
func TestSignEVM(t *testing.T) {
	s := signers()["secp256k1"]
	alias, _ := Adapter{}.Address(NetworkHedera, s.Key())
	to := common.HexToAddress("0x00000000000000000000000000000000000004d2")
	for _, tc := range []struct {
		network string
		tx      types.TxData
	}{
		{NetworkHederaTestnet, &types.DynamicFeeTx{ChainID: big.NewInt(296), Nonce: 1, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(1e12), Gas: 21000, To: &to, Value: big.NewInt(7)}},
		{NetworkHedera, &types.DynamicFeeTx{ChainID: big.NewInt(295), Nonce: 2, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(1e12), Gas: 21000, To: &to, Value: big.NewInt(7)}},
		{NetworkHedera, &types.LegacyTx{Nonce: 3, GasPrice: big.NewInt(1e12), Gas: 21000, To: &to, Value: big.NewInt(7)}},
	} {
		var raw []byte
		switch x := tc.tx.(type) {
		case *types.LegacyTx: // the six-field unsigned form
			raw, _ = rlp.EncodeToBytes([]any{x.Nonce, x.GasPrice, x.Gas, x.To, x.Value, x.Data})
		case *types.DynamicFeeTx: // type 2 ‖ the unsigned fields
			p, _ := rlp.EncodeToBytes([]any{x.ChainID, x.Nonce, x.GasTipCap, x.GasFeeCap, x.Gas, x.To, x.Value, x.Data, types.AccessList{}})
			raw = append([]byte{types.DynamicFeeTxType}, p...)
		}
		body, _ := json.Marshal(map[string]string{"transaction": "0x" + hex.EncodeToString(raw)})
		res, err := Adapter{}.Sign(context.Background(), tc.network, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
		if err != nil {
			t.Fatalf("%s %T: %v", tc.network, tc.tx, err)
		}
		enc, _ := hex.DecodeString(strings.TrimPrefix(res.SignedData, "0x"))
		var signed types.Transaction
		if err := signed.UnmarshalBinary(enc); err != nil {
			t.Fatal(err)
		}
		from, err := types.LatestSignerForChainID(big.NewInt(chainIDs[tc.network])).Sender(&signed)
		if err != nil || !strings.EqualFold(from.Hex(), alias) {
			t.Errorf("%s %T: sender %s %v, want %s", tc.network, tc.tx, from.Hex(), err, alias)
		}
		if signed.ChainId().Int64() != chainIDs[tc.network] {
			t.Errorf("%s: chain id %v", tc.network, signed.ChainId())
		}
	}
	// The other network's chain id, and an ed25519 wallet, are 400s.
	p, _ := rlp.EncodeToBytes([]any{big.NewInt(1), uint64(0), big.NewInt(1), big.NewInt(1), uint64(21000), &to, big.NewInt(0), []byte{}, types.AccessList{}})
	wrong := append([]byte{types.DynamicFeeTxType}, p...)
	body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(wrong)})
	if _, err := (Adapter{}).Sign(context.Background(), NetworkHedera, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body}); status(err) != http.StatusBadRequest {
		t.Errorf("chain id 1 on Hedera: %v", err)
	}
	ed := signers()["ed25519"]
	if _, err := (Adapter{}).Sign(context.Background(), NetworkHedera, ed.Key(), ed, chain.Request{Kind: KindTransaction, Body: body}); status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "secp256k1") {
		t.Errorf("ed25519 wallet: %v", err)
	}
}
