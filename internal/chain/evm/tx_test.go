package evm

import (
	"encoding/json"
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// checkSignedTx decodes signedData with go-ethereum and checks the sender,
// chain id and, when given, the exact bytes and hash ethers produced.
func checkSignedTx(t *testing.T, signedData string, chainID int64, wantRaw, wantHash string) *types.Transaction {
	t.Helper()
	if wantRaw != "" && signedData != wantRaw {
		t.Fatalf("signedData\n %s\nethers signTransaction gives\n %s", signedData, wantRaw)
	}
	var tx types.Transaction
	if err := tx.UnmarshalBinary(mustHex(t, signedData)); err != nil {
		t.Fatalf("go-ethereum cannot decode signedData: %v", err)
	}
	if tx.ChainId().Cmp(big.NewInt(chainID)) != 0 {
		t.Fatalf("chain id %v, want %d", tx.ChainId(), chainID)
	}
	from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(chainID)), &tx)
	if err != nil {
		t.Fatal(err)
	}
	if from != common.HexToAddress(web3Address) {
		t.Fatalf("sender %s, want %s", from, web3Address)
	}
	if wantHash != "" && tx.Hash().Hex() != wantHash {
		t.Fatalf("tx hash %s, ethers says %s", tx.Hash().Hex(), wantHash)
	}
	return &tx
}

func TestSignTransactionHex(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	for name, network := range map[string]string{
		"legacy155":      "EthereumSepolia",
		"legacyNoChain":  "EthereumSepolia", // no chainId in the tx: EIP-155 with the network's
		"eip2930":        "EthereumSepolia",
		"eip1559":        "EthereumSepolia",
		"eip1559Create":  "EthereumSepolia",
		"eip1559Polygon": "Polygon",
		"eip7702":        "EthereumSepolia",
	} {
		t.Run(name, func(t *testing.T) {
			vec, ok := v.Txs[name]
			if !ok {
				t.Fatalf("no vector %s", name)
			}
			res := mustSign(t, network, "Transaction", fmt.Sprintf(`{"kind":"Transaction","transaction":%q}`, vec.Unsigned))
			id, _ := ChainID(network)
			tx := checkSignedTx(t, res.SignedData, id, vec.Signed, vec.Hash)
			h := types.LatestSignerForChainID(big.NewInt(id)).Hash(tx)
			checkSignature(t, res, h[:], common.HexToAddress(web3Address))
		})
	}
}

func TestSignTransactionJSON(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	// The authorization inside the ethers type-4 vector, read by go-ethereum.
	var t4 types.Transaction
	if err := t4.UnmarshalBinary(mustHex(t, v.Txs["eip7702"].Signed)); err != nil {
		t.Fatal(err)
	}
	a := t4.SetCodeAuthorizations()[0]
	sig65 := append(append(a.R.PaddedBytes(32), a.S.PaddedBytes(32)...), a.V+27)
	authRSV := fmt.Sprintf(`{"chainId":%d,"address":%q,"nonce":%d,"r":"%s","s":"%s","yParity":%d}`,
		a.ChainID.Uint64(), a.Address.Hex(), a.Nonce, a.R.Hex(), a.S.Hex(), a.V)
	authSig := fmt.Sprintf(`{"chainId":"%d","address":%q,"nonce":"%d","signature":"%s"}`,
		a.ChainID.Uint64(), a.Address.Hex(), a.Nonce, hex0x(sig65))
	to := "0xa238b6008Bc2FBd9E386A5d4784511980cE504Cd"
	for _, tc := range []struct {
		name, tx, vector string
	}{
		{"eip1559 default type", `{"to":"` + to + `","value":"1","gasLimit":"21000","maxPriorityFeePerGas":"5000000000","maxFeePerGas":"20000000000","nonce":3}`, "eip1559"},
		{"eip1559 hex numbers and chainId", `{"type":2,"chainId":11155111,"to":"` + to + `","value":"0x1","gasLimit":21000,"maxPriorityFeePerGas":"0x12a05f200","maxFeePerGas":"0x4a817c800","nonce":"0x3"}`, "eip1559"},
		{"contract creation", `{"type":2,"value":"0","gasLimit":"500000","maxPriorityFeePerGas":"1","maxFeePerGas":"2","nonce":0,"data":"0x6080604052348015600f57600080fd5b50"}`, "eip1559Create"},
		{"legacy", `{"type":0,"to":"` + to + `","value":"1","gasLimit":"21000","gasPrice":"20000000000","nonce":3,"data":"0x1234"}`, "legacy155"},
		{"eip2930", `{"type":1,"to":"` + to + `","value":"5","gasLimit":"30000","gasPrice":"3000000000","nonce":9,"accessList":[{"address":"` + to + `","storageKeys":["0x0000000000000000000000000000000000000000000000000000000000000001"]}]}`, "eip2930"},
		{"eip7702 r s yParity", `{"type":4,"to":"` + to + `","value":"0","gasLimit":"100000","maxPriorityFeePerGas":"1","maxFeePerGas":"2","nonce":2,"authorizationList":[` + authRSV + `]}`, "eip7702"},
		{"eip7702 signature", `{"type":4,"to":"` + to + `","value":"0","gasLimit":"100000","maxPriorityFeePerGas":"1","maxFeePerGas":"2","nonce":2,"authorizationList":[` + authSig + `]}`, "eip7702"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]any{"kind": "Transaction", "transaction": json.RawMessage(tc.tx)})
			if err != nil {
				t.Fatal(err)
			}
			res := mustSign(t, "EthereumSepolia", "Transaction", string(body))
			vec := v.Txs[tc.vector]
			checkSignedTx(t, res.SignedData, 11155111, vec.Signed, vec.Hash)
		})
	}
}
