package policy_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/utxo"
	"github.com/custos-dev/custos/internal/policy"
)

func p2pkh(t *testing.T, pub []byte) []byte {
	t.Helper()
	s, err := txscript.NewScriptBuilder().AddOp(txscript.OP_DUP).AddOp(txscript.OP_HASH160).AddData(btcutil.Hash160(pub)).
		AddOp(txscript.OP_EQUALVERIFY).AddOp(txscript.OP_CHECKSIG).Script()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBitcoinCashOutflows: a Bitcoin Cash PSBT is read by the UTXO adapter
// and priced as BCH, not BTC, though both prices are configured.
func TestBitcoinCashOutflows(t *testing.T) {
	e := newEngine(t, "BTC=60000", "BCH=500")
	priv, _ := btcec.NewPrivateKey()
	pub := priv.PubKey().SerializeCompressed()
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: pub}
	friend, _ := btcec.NewPrivateKey()
	friendPub := friend.PubKey().SerializeCompressed()
	friendAddr, err := utxo.Adapter{}.Address("BitcoinCash", chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: friendPub})
	if err != nil {
		t.Fatal(err)
	}
	e.rule(t, `{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["`+friendAddr+`"]}}`, `{"kind":"Block"}`)
	e.rule(t, `{"kind":"TransactionAmountLimit","configuration":{"limit":600,"currency":"USD"}}`, `{"kind":"Block"}`)
	body := func(to []byte, value int64) string {
		op := wire.OutPoint{Hash: chainhash.DoubleHashH([]byte("p")), Index: 0}
		pkt, err := psbt.New([]*wire.OutPoint{&op}, []*wire.TxOut{wire.NewTxOut(value, to), wire.NewTxOut(1000, p2pkh(t, pub))}, 2, 0, []uint32{0})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_ = pkt.Serialize(&b)
		return `{"kind":"Psbt","psbt":"0x` + hex.EncodeToString(b.Bytes()) + `"}`
	}
	stranger, _ := btcec.NewPrivateKey()
	for name, tc := range map[string]struct {
		body string
		want policy.Outcome
	}{
		"0.5 BCH = 250 USD to the listed address": {body(p2pkh(t, friendPub), 50_000_000), policy.Allow},
		"2 BCH = 1000 USD":                        {body(p2pkh(t, friendPub), 200_000_000), policy.Deny},
		"to another address":                      {body(p2pkh(t, stranger.PubKey().SerializeCompressed()), 1000), policy.Deny},
	} {
		if d := e.evalKey(t, "BitcoinCash", "Psbt", key, tc.body); d.Outcome != tc.want {
			t.Errorf("%s: outcome %d, want %d (%s)", name, d.Outcome, tc.want, d.Reason)
		}
	}
}

// tronTransfer is a protobuf Transaction with one TransferContract.
func tronTransfer(to []byte, amount uint64) string {
	var v []byte
	v = protowire.AppendTag(v, 1, protowire.BytesType)
	v = protowire.AppendBytes(v, append([]byte{0x41}, make([]byte, 20)...))
	v = protowire.AppendTag(v, 2, protowire.BytesType)
	v = protowire.AppendBytes(v, to)
	v = protowire.AppendTag(v, 3, protowire.VarintType)
	v = protowire.AppendVarint(v, amount)
	var anyMsg []byte
	anyMsg = protowire.AppendTag(anyMsg, 1, protowire.BytesType)
	anyMsg = protowire.AppendBytes(anyMsg, []byte("type.googleapis.com/protocol.TransferContract"))
	anyMsg = protowire.AppendTag(anyMsg, 2, protowire.BytesType)
	anyMsg = protowire.AppendBytes(anyMsg, v)
	var c []byte
	c = protowire.AppendTag(c, 1, protowire.VarintType)
	c = protowire.AppendVarint(c, 1)
	c = protowire.AppendTag(c, 2, protowire.BytesType)
	c = protowire.AppendBytes(c, anyMsg)
	var raw []byte
	raw = protowire.AppendTag(raw, 11, protowire.BytesType)
	raw = protowire.AppendBytes(raw, c)
	var tx []byte
	tx = protowire.AppendTag(tx, 1, protowire.BytesType)
	tx = protowire.AppendBytes(tx, raw)
	return `{"kind":"Transaction","transaction":"0x` + hex.EncodeToString(tx) + `"}`
}

func TestTronAndXrpOutflows(t *testing.T) {
	e := newEngine(t, "TRX=0.25", "XRP=2")
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)}
	friend := append([]byte{0x41}, bytes.Repeat([]byte{7}, 20)...)
	friendAddr := base58.CheckEncode(friend[1:], 0x41)
	// The Dfns documentation's XRP payment: 1 drop to r3g4fbCVnxkqnjrREjH4yhZVqijKxrc6aQ (as xrpl.js decodes it).
	const xrpTx = `{"kind":"Transaction","transaction":"0x120000220000000024029a62a82e0001e240201b02a6243661400000000000000168400000000000000c8114860184b4f4c6cc17ae9c2a77cfcd328b43ec2aac8314543aba55a3bede29c5d512ff0cb17db626b9ed9a"}`
	e.rule(t, `{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["`+friendAddr+`","r3g4fbCVnxkqnjrREjH4yhZVqijKxrc6aQ"]}}`, `{"kind":"Block"}`)
	e.rule(t, `{"kind":"TransactionAmountLimit","configuration":{"limit":100,"currency":"USD"}}`, `{"kind":"Block"}`)
	for name, tc := range map[string]struct {
		network, body string
		want          policy.Outcome
	}{
		"100 TRX = 25 USD to the listed address": {"Tron", tronTransfer(friend, 100_000_000), policy.Allow},
		"1000 TRX = 250 USD":                     {"TronNile", tronTransfer(friend, 1_000_000_000), policy.Deny},
		"TRX to another address":                 {"Tron", tronTransfer(append([]byte{0x41}, bytes.Repeat([]byte{8}, 20)...), 1), policy.Deny},
		"1 drop of XRP to the listed address":    {"XrpLedger", xrpTx, policy.Allow},
	} {
		if d := e.evalKey(t, tc.network, "Transaction", key, tc.body); d.Outcome != tc.want {
			t.Errorf("%s: outcome %d, want %d (%s)", name, d.Outcome, tc.want, d.Reason)
		}
	}
}

// signDocSend is a SignDoc whose body holds msgs (type URL, value) pairs.
func signDocSend(msgs ...[2][]byte) string {
	var body []byte
	for _, m := range msgs {
		var a []byte
		a = protowire.AppendTag(a, 1, protowire.BytesType)
		a = protowire.AppendBytes(a, m[0])
		a = protowire.AppendTag(a, 2, protowire.BytesType)
		a = protowire.AppendBytes(a, m[1])
		body = protowire.AppendTag(body, 1, protowire.BytesType)
		body = protowire.AppendBytes(body, a)
	}
	var doc []byte
	for i, v := range [][]byte{body, []byte("auth"), []byte("cosmoshub-4")} {
		doc = protowire.AppendTag(doc, protowire.Number(i+1), protowire.BytesType)
		doc = protowire.AppendBytes(doc, v)
	}
	return `{"kind":"SignDocDirect","signDoc":"0x` + hex.EncodeToString(doc) + `"}`
}

func msgSend(to, denom, amount string) [2][]byte {
	var coin []byte
	coin = protowire.AppendTag(coin, 1, protowire.BytesType)
	coin = protowire.AppendBytes(coin, []byte(denom))
	coin = protowire.AppendTag(coin, 2, protowire.BytesType)
	coin = protowire.AppendBytes(coin, []byte(amount))
	var v []byte
	v = protowire.AppendTag(v, 1, protowire.BytesType)
	v = protowire.AppendBytes(v, []byte("cosmos1from"))
	v = protowire.AppendTag(v, 2, protowire.BytesType)
	v = protowire.AppendBytes(v, []byte(to))
	v = protowire.AppendTag(v, 3, protowire.BytesType)
	v = protowire.AppendBytes(v, coin)
	return [2][]byte{[]byte("/cosmos.bank.v1beta1.MsgSend"), v}
}

func TestCosmosOutflows(t *testing.T) {
	e := newEngine(t, "ATOM=5")
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)}
	e.rule(t, `{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["cosmos1friend"]}}`, `{"kind":"Block"}`)
	e.rule(t, `{"kind":"TransactionAmountLimit","configuration":{"limit":100,"currency":"USD"}}`, `{"kind":"Block"}`)
	for name, tc := range map[string]struct {
		body string
		want policy.Outcome
	}{
		"10 ATOM = 50 USD to the listed address": {signDocSend(msgSend("cosmos1friend", "uatom", "10000000")), policy.Allow},
		"30 ATOM = 150 USD":                      {signDocSend(msgSend("cosmos1friend", "uatom", "30000000")), policy.Deny},
		"to another address":                     {signDocSend(msgSend("cosmos1other", "uatom", "1")), policy.Deny},
		"a token without a price":                {signDocSend(msgSend("cosmos1friend", "ibc/ABC", "1")), policy.Deny},
		"another message":                        {signDocSend([2][]byte{[]byte("/cosmos.staking.v1beta1.MsgDelegate"), nil}), policy.Deny},
	} {
		if d := e.evalKey(t, "CosmosHub4", "SignDocDirect", key, tc.body); d.Outcome != tc.want {
			t.Errorf("%s: outcome %d, want %d (%s)", name, d.Outcome, tc.want, d.Reason)
		}
	}
}
