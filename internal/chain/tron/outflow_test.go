package tron

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/btcutil/base58"
	"google.golang.org/protobuf/encoding/protowire"
)

func contractTx(typ uint64, value []byte) json.RawMessage {
	var a []byte
	a = protowire.AppendTag(a, 2, protowire.BytesType)
	a = protowire.AppendBytes(a, value)
	var c []byte
	c = protowire.AppendTag(c, 1, protowire.VarintType)
	c = protowire.AppendVarint(c, typ)
	c = protowire.AppendTag(c, 2, protowire.BytesType)
	c = protowire.AppendBytes(c, a)
	var raw []byte
	raw = protowire.AppendTag(raw, 11, protowire.BytesType)
	raw = protowire.AppendBytes(raw, c)
	var tx []byte
	tx = protowire.AppendTag(tx, 1, protowire.BytesType)
	tx = protowire.AppendBytes(tx, raw)
	return json.RawMessage(`{"transaction":"0x` + hex.EncodeToString(tx) + `"}`)
}

func TestOutflows(t *testing.T) {
	t.Parallel()
	// The Dfns documentation's example: 1 sun to 4102a69d…7b94.
	out, err := DecodeOutflows(json.RawMessage(`{"transaction":"0x` + dfnsRequestTx + `"}`))
	to, _ := hex.DecodeString("4102a69d5d85c05864dc6fd74f57db3fa37aff7b94")
	if err != nil || len(out) != 1 || out[0].To != base58.CheckEncode(to[1:], 0x41) || out[0].Amount.Int64() != 1 || out[0].Decimals != 6 {
		t.Fatalf("%+v %v", out, err)
	}

	// A TRC-20 transfer(address,uint256) of 5 tokens to 41 07…07.
	token := append([]byte{0x41}, bytes.Repeat([]byte{9}, 20)...)
	data := append([]byte{0xa9, 0x05, 0x9c, 0xbb}, make([]byte, 12)...)
	data = append(data, bytes.Repeat([]byte{7}, 20)...)
	data = append(data, new(big.Int).SetInt64(5).FillBytes(make([]byte, 32))...)
	var v []byte
	v = protowire.AppendTag(v, 2, protowire.BytesType)
	v = protowire.AppendBytes(v, token)
	v = protowire.AppendTag(v, 4, protowire.BytesType)
	v = protowire.AppendBytes(v, data)
	out, err = DecodeOutflows(contractTx(triggerSmartContract, v))
	if err != nil || len(out) != 1 || out[0].Asset != base58.CheckEncode(token[1:], 0x41) ||
		out[0].To != base58.CheckEncode(bytes.Repeat([]byte{7}, 20), 0x41) || out[0].Amount.Int64() != 5 {
		t.Fatalf("%+v %v", out, err)
	}

	// Another call, or another contract type, has no known recipient.
	bad := append([]byte(nil), v...)
	bad[len(bad)-68] = 0x00 // selector
	for _, body := range []json.RawMessage{contractTx(triggerSmartContract, bad), contractTx(4, v), json.RawMessage(`{"transaction":"0x0a00"}`)} {
		if _, err := DecodeOutflows(body); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}
