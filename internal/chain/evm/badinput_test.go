package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/chain"
)

func TestBadInput(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	tx := func(s string) string { return fmt.Sprintf(`{"transaction":%s}`, s) }
	txHex := func(s string) string { return tx(fmt.Sprintf("%q", s)) }
	goodJSON := `"to":"0xa238b6008Bc2FBd9E386A5d4784511980cE504Cd","value":"1","gasLimit":"21000","nonce":3`
	fees := `"maxPriorityFeePerGas":"1","maxFeePerGas":"2"`
	for _, tc := range []struct {
		name, network, kind, body string
	}{
		{"unknown network", "Bitcoin", "Hash", `{"hash":"` + v.Hash + `"}`},
		{"psbt kind", "Ethereum", "Psbt", `{"psbt":"0x00"}`},
		{"bip322 kind", "Ethereum", "Bip322", `{"message":"0x00"}`},
		{"empty kind", "Ethereum", "", `{}`},
		{"empty body", "Ethereum", "Hash", ``},
		{"body not json", "Ethereum", "Hash", `{"hash":`},
		{"body is array", "Ethereum", "Hash", `[]`},

		{"hash missing", "Ethereum", "Hash", `{}`},
		{"hash not hex", "Ethereum", "Hash", `{"hash":"0xzz` + strings.Repeat("00", 31) + `"}`},
		{"hash odd length", "Ethereum", "Hash", `{"hash":"0x` + strings.Repeat("0", 63) + `"}`},
		{"hash 31 bytes", "Ethereum", "Hash", `{"hash":"0x` + strings.Repeat("00", 31) + `"}`},
		{"hash 33 bytes", "Ethereum", "Hash", `{"hash":"0x` + strings.Repeat("00", 33) + `"}`},
		{"hash is a number", "Ethereum", "Hash", `{"hash":12}`},

		{"message missing", "Ethereum", "Message", `{}`},
		{"message not hex", "Ethereum", "Eip191", `{"message":"hello world"}`},
		{"message null", "Ethereum", "Message", `{"message":null}`},

		{"tx missing", "EthereumSepolia", "Transaction", `{}`},
		{"tx null", "EthereumSepolia", "Transaction", tx(`null`)},
		{"tx number", "EthereumSepolia", "Transaction", tx(`12`)},
		{"tx empty", "EthereumSepolia", "Transaction", txHex("0x")},
		{"tx garbage", "EthereumSepolia", "Transaction", txHex("0xdeadbeef")},
		{"tx garbage list", "EthereumSepolia", "Transaction", txHex("0xc3010203")},
		{"tx not hex", "EthereumSepolia", "Transaction", txHex("0x02zz")},
		{"tx trailing bytes", "EthereumSepolia", "Transaction", txHex(v.Txs["eip1559"].Unsigned + "00")},
		{"tx truncated", "EthereumSepolia", "Transaction", txHex(v.Txs["eip1559"].Unsigned[:40])},
		{"tx already signed 1559", "EthereumSepolia", "Transaction", txHex(v.Txs["eip1559"].Signed)},
		{"tx already signed legacy", "EthereumSepolia", "Transaction", txHex(v.Txs["legacy155"].Signed)},
		{"1559 wrong chain", "Ethereum", "Transaction", txHex(v.Txs["eip1559"].Unsigned)},
		{"legacy wrong chain", "Polygon", "Transaction", txHex(v.Txs["legacy155"].Unsigned)},
		{"2930 wrong chain", "Base", "Transaction", txHex(v.Txs["eip2930"].Unsigned)},
		{"7702 wrong chain", "Optimism", "Transaction", txHex(v.Txs["eip7702"].Unsigned)},
		{"blob type", "EthereumSepolia", "Transaction", txHex("0x03c0")},
		{"unknown type", "EthereumSepolia", "Transaction", txHex("0x05c0")},
		{"json missing nonce", "EthereumSepolia", "Transaction", tx(`{"to":"0xa238b6008Bc2FBd9E386A5d4784511980cE504Cd","gasLimit":"21000",` + fees + `}`)},
		{"json missing gasLimit", "EthereumSepolia", "Transaction", tx(`{"nonce":1,` + fees + `}`)},
		{"json missing fees", "EthereumSepolia", "Transaction", tx(`{` + goodJSON + `}`)},
		{"json gasPrice on type 2", "EthereumSepolia", "Transaction", tx(`{` + goodJSON + `,` + fees + `,"gasPrice":"1"}`)},
		{"json maxFee on type 0", "EthereumSepolia", "Transaction", tx(`{"type":0,` + goodJSON + `,"gasPrice":"1","maxFeePerGas":"2"}`)},
		{"json type 3", "EthereumSepolia", "Transaction", tx(`{"type":3,` + goodJSON + `,` + fees + `}`)},
		{"json chainId mismatch", "EthereumSepolia", "Transaction", tx(`{"chainId":1,` + goodJSON + `,` + fees + `}`)},
		{"json bad to", "EthereumSepolia", "Transaction", tx(`{"to":"0x1234","value":"1","gasLimit":"21000","nonce":3,` + fees + `}`)},
		{"json bad checksum", "EthereumSepolia", "Transaction", tx(`{"to":"0xA238b6008Bc2FBd9E386A5d4784511980cE504Cd","gasLimit":"21000","nonce":3,` + fees + `}`)},
		{"json negative value", "EthereumSepolia", "Transaction", tx(`{"to":"0xa238b6008Bc2FBd9E386A5d4784511980cE504Cd","value":"-1","gasLimit":"21000","nonce":3,` + fees + `}`)},
		{"json fractional nonce", "EthereumSepolia", "Transaction", tx(`{` + strings.Replace(goodJSON, `"nonce":3`, `"nonce":3.5`, 1) + `,` + fees + `}`)},
		{"json nonce over 64 bits", "EthereumSepolia", "Transaction", tx(`{` + strings.Replace(goodJSON, `"nonce":3`, `"nonce":"18446744073709551616"`, 1) + `,` + fees + `}`)},
		{"json value over 256 bits", "EthereumSepolia", "Transaction", tx(`{` + strings.Replace(goodJSON, `"value":"1"`, `"value":"0x1`+strings.Repeat("0", 64)+`"`, 1) + `,` + fees + `}`)},
		{"json bad data", "EthereumSepolia", "Transaction", tx(`{` + goodJSON + `,` + fees + `,"data":"0x123"}`)},
		{"json auth list on type 2", "EthereumSepolia", "Transaction", tx(`{` + goodJSON + `,` + fees + `,"authorizationList":[]}`)},
		{"json 7702 without to", "EthereumSepolia", "Transaction", tx(`{"type":4,"gasLimit":"21000","nonce":3,` + fees + `,"authorizationList":[{"chainId":1,"address":"0x2222222222222222222222222222222222222222","nonce":1,"signature":"0x` + strings.Repeat("11", 64) + `1b"}]}`)},
		{"json 7702 empty auth list", "EthereumSepolia", "Transaction", tx(`{"type":4,` + goodJSON + `,` + fees + `,"authorizationList":[]}`)},
		{"json 7702 auth without signature", "EthereumSepolia", "Transaction", tx(`{"type":4,` + goodJSON + `,` + fees + `,"authorizationList":[{"chainId":1,"address":"0x2222222222222222222222222222222222222222","nonce":1}]}`)},
		{"json 7702 auth bad v", "EthereumSepolia", "Transaction", tx(`{"type":4,` + goodJSON + `,` + fees + `,"authorizationList":[{"chainId":1,"address":"0x2222222222222222222222222222222222222222","nonce":1,"r":"1","s":"1","yParity":2}]}`)},
		{"json accessList on type 0", "EthereumSepolia", "Transaction", tx(`{"type":0,` + goodJSON + `,"gasPrice":"1","accessList":[{"address":"0x2222222222222222222222222222222222222222","storageKeys":[]}]}`)},

		{"712 types missing", "Ethereum", "Eip712", `{"domain":` + mailDomain + `,"message":` + mailMessage + `}`},
		{"712 domain missing", "Ethereum", "Eip712", `{"types":` + mailTypes + `,"message":` + mailMessage + `}`},
		{"712 message missing", "Ethereum", "Eip712", `{"types":` + mailTypes + `,"domain":` + mailDomain + `}`},
		{"712 message not object", "Ethereum", "Eip712", mail712(mailTypes, mailDomain, `[1,2]`)},
		{"712 ambiguous primary", "Ethereum", "Eip712", mail712(`{"A":[{"name":"x","type":"uint8"}],"B":[{"name":"y","type":"uint8"}]}`, mailDomain, `{"x":1}`)},
		{"712 no primary", "Ethereum", "Eip712", mail712(`{"A":[{"name":"b","type":"B"}],"B":[{"name":"a","type":"A"}]}`, mailDomain, `{}`)},
		{"712 primaryType undefined", "Ethereum", "Eip712", `{"primaryType":"Nope","types":` + mailTypes + `,"domain":` + mailDomain + `,"message":` + mailMessage + `}`},
		{"712 primaryType domain", "Ethereum", "Eip712", `{"primaryType":"EIP712Domain","types":` + mailTypes + `,"domain":` + mailDomain + `,"message":` + mailMessage + `}`},
		{"712 undefined reference", "Ethereum", "Eip712", mail712(`{"Mail":[{"name":"from","type":"Person"}]}`, mailDomain, `{"from":{}}`)},
		{"712 wrong field type", "Ethereum", "Eip712", mail712(mailTypes, mailDomain, strings.Replace(mailMessage, `"Hello, Bob!"`, `12`, 1))},
		{"712 extra field", "Ethereum", "Eip712", mail712(mailTypes, mailDomain, strings.Replace(mailMessage, `"contents"`, `"x":1,"contents"`, 1))},
		{"712 null array item", "Ethereum", "Eip712", mail712(`{"M":[{"name":"a","type":"uint256[]"}]}`, mailDomain, `{"a":[null]}`)},
		{"712 fractional number", "Ethereum", "Eip712", mail712(`{"M":[{"name":"a","type":"uint256"}]}`, mailDomain, `{"a":1.5}`)},
		{"712 huge exponent", "Ethereum", "Eip712", mail712(`{"M":[{"name":"a","type":"uint256"}]}`, mailDomain, `{"a":1e1000000000}`)},
		{"712 bad salt", "Ethereum", "Eip712", mail712(mailTypes, `{"name":"x","salt":"0x1234"}`, mailMessage)},
		{"712 bad verifyingContract", "Ethereum", "Eip712", mail712(mailTypes, `{"name":"x","verifyingContract":"nope"}`, mailMessage)},
		{"712 bad chainId", "Ethereum", "Eip712", mail712(mailTypes, `{"name":"x","chainId":"one"}`, mailMessage)},
		{"712 empty domain", "Ethereum", "Eip712", mail712(mailTypes, `{}`, mailMessage)},

		{"7702 missing fields", "EthereumSepolia", "Eip7702", `{"address":"0x2222222222222222222222222222222222222222"}`},
		{"7702 chain mismatch", "EthereumSepolia", "Eip7702", `{"address":"0x2222222222222222222222222222222222222222","nonce":1,"chainId":1}`},
		{"7702 chain zero", "EthereumSepolia", "Eip7702", `{"address":"0x2222222222222222222222222222222222222222","nonce":1,"chainId":0}`},
		{"7702 bad address", "EthereumSepolia", "Eip7702", `{"address":"0x22","nonce":1,"chainId":11155111}`},
		{"7702 nonce too big", "EthereumSepolia", "Eip7702", `{"address":"0x2222222222222222222222222222222222222222","nonce":18446744073709551616,"chainId":11155111}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := sign(t, tc.network, tc.kind, tc.body)
			if err == nil {
				t.Fatalf("accepted: %+v", res)
			}
			want400(t, err)
		})
	}
}

// FuzzSignTransaction checks that no input panics, and that whatever is
// accepted is a transaction go-ethereum decodes, on the network's chain,
// sent from the wallet.
func FuzzSignTransaction(f *testing.F) {
	v := mustVectors(f)
	for _, vec := range v.Txs {
		f.Add(mustHex(f, vec.Unsigned))
		f.Add(mustHex(f, vec.Signed))
	}
	k := mustKey(f, web3Key)
	key, s := chainKey(k), testSigner{key: k}
	want := "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
	f.Fuzz(func(t *testing.T, raw []byte) {
		body := fmt.Sprintf(`{"transaction":%q}`, hex0x(raw))
		res, err := New().Sign(context.Background(), "EthereumSepolia", key, s, chain.Request{Kind: "Transaction", Body: json.RawMessage(body)})
		if err != nil {
			want400(t, err)
			return
		}
		var tx types.Transaction
		if err := tx.UnmarshalBinary(mustHex(t, res.SignedData)); err != nil {
			t.Fatalf("signedData does not decode: %v", err)
		}
		if tx.ChainId().Cmp(big.NewInt(11155111)) != 0 {
			t.Fatalf("chain id %v", tx.ChainId())
		}
		from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(11155111)), &tx)
		if err != nil || from.Hex() != want {
			t.Fatalf("sender %s, %v", from, err)
		}
	})
}

// FuzzSignTypedData checks that no Eip712 body panics.
func FuzzSignTypedData(f *testing.F) {
	f.Add(mail712(mailTypes, mailDomain, mailMessage))
	f.Add(mail712(`{"M":[{"name":"a","type":"uint256[][2]"}]}`, `{"chainId":1}`, `{"a":[[1],[2,3]]}`))
	k := mustKey(f, web3Key)
	key, s := chainKey(k), testSigner{key: k}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := New().Sign(context.Background(), "Ethereum", key, s, chain.Request{Kind: "Eip712", Body: json.RawMessage(body)})
		if err != nil {
			want400(t, err)
		}
	})
}

func mail712(types, domain, message string) string {
	return `{"types":` + types + `,"domain":` + domain + `,"message":` + message + `}`
}
