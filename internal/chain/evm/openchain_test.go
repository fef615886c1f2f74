package evm

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
)

// unsignedHex serializes tx without its signature as ethers'
// unsignedSerialized does: type byte then the RLP list of the fields.
func unsignedHex(t *testing.T, tx *types.DynamicFeeTx) string {
	t.Helper()
	b, err := rlp.EncodeToBytes([]any{tx.ChainID, tx.Nonce, tx.GasTipCap, tx.GasFeeCap, tx.Gas, tx.To, tx.Value, tx.Data, types.AccessList{}})
	if err != nil {
		t.Fatal(err)
	}
	return hex0x(append([]byte{types.DynamicFeeTxType}, b...))
}

// TestOpenChainNetworks: the networks with no fixed chain id sign typed
// transactions for the chain id they carry, refuse legacy ones and
// chain-less JSON, and sign Eip7702 for the request's chain id.
func TestOpenChainNetworks(t *testing.T) {
	t.Parallel()
	open := []string{"Tsc", "TscTestnet1", "AdiTestnet", "AdiTestnetAb", "BesuTestnet", "RaylsTestnet"}
	to := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	for i, network := range open {
		if networks[network] != openChain {
			t.Fatalf("%s is not an open-chain network", network)
		}
		if _, ok := ChainID(network); ok {
			t.Errorf("ChainID(%s) reports a fixed chain id", network)
		}
		addr, err := New().Address(network, chainKey(mustKey(t, web3Key)))
		if err != nil || addr != web3Address {
			t.Fatalf("%s address %s, %v", network, addr, err)
		}
		id := int64(345 + i*1000)
		unsigned := &types.DynamicFeeTx{ChainID: big.NewInt(id), Nonce: 7, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(2),
			Gas: 21000, To: &to, Value: big.NewInt(5)}
		res := mustSign(t, network, "Transaction", fmt.Sprintf(`{"kind":"Transaction","transaction":%q}`, unsignedHex(t, unsigned)))
		tx := checkSignedTx(t, res.SignedData, id, "", "")
		h := types.LatestSignerForChainID(big.NewInt(id)).Hash(tx)
		checkSignature(t, res, h[:], common.HexToAddress(web3Address))

		// JSON with its own chainId.
		res = mustSign(t, network, "Transaction", fmt.Sprintf(`{"kind":"Transaction","transaction":{"type":2,"chainId":%d,"nonce":7,"gasLimit":21000,"maxFeePerGas":2,"maxPriorityFeePerGas":1,"to":%q,"value":5}}`, id, to.Hex()))
		checkSignedTx(t, res.SignedData, id, "", "")

		// Eip7702 for the request's chain id.
		res = mustSign(t, network, "Eip7702", fmt.Sprintf(`{"kind":"Eip7702","address":%q,"nonce":1,"chainId":%d}`, to.Hex(), id))
		auth := types.SetCodeAuthorization{ChainID: *uint256.NewInt(uint64(id)), Address: to, Nonce: 1}
		ah := auth.SigHash()
		checkSignature(t, res, ah[:], common.HexToAddress(web3Address))
	}

	legacy, err := rlp.EncodeToBytes([]any{uint64(0), big.NewInt(1), uint64(21000), to, big.NewInt(1), []byte{}, big.NewInt(345), uint(0), uint(0)})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"legacy hex":      fmt.Sprintf(`{"kind":"Transaction","transaction":%q}`, hex0x(legacy)),
		"json no chainId": fmt.Sprintf(`{"kind":"Transaction","transaction":{"type":2,"nonce":7,"gasLimit":21000,"maxFeePerGas":2,"maxPriorityFeePerGas":1,"to":%q}}`, to.Hex()),
		"json legacy":     fmt.Sprintf(`{"kind":"Transaction","transaction":{"type":0,"chainId":345,"nonce":7,"gasLimit":21000,"gasPrice":2,"to":%q}}`, to.Hex()),
		"chainId zero":    fmt.Sprintf(`{"kind":"Transaction","transaction":{"type":2,"chainId":0,"nonce":7,"gasLimit":21000,"maxFeePerGas":2,"maxPriorityFeePerGas":1,"to":%q}}`, to.Hex()),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sign(t, "Tsc", "Transaction", body)
			want400(t, err)
		})
	}
	_, err = sign(t, "Tsc", "Eip7702", fmt.Sprintf(`{"kind":"Eip7702","address":%q,"nonce":1,"chainId":0}`, to.Hex()))
	want400(t, err)
}
