package btcwallet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/wallet"
)

// signer signs with a local key, as custody does (chain.Signer).
type signer struct{ priv *btcec.PrivateKey }

func (s signer) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	c := ecdsa.SignCompact(s.priv, digest, true)
	return c[1:], c[0] - 31, nil
}

func (s signer) SignEdDSA(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") }

func (s signer) SignSchnorr(_ context.Context, digest, tweak []byte) ([]byte, error) {
	d := s.priv.Key
	if s.priv.PubKey().SerializeCompressed()[0] == 0x03 {
		d.Negate()
	}
	var t btcec.ModNScalar
	t.SetByteSlice(tweak)
	d.Add(&t)
	sig, err := schnorr.Sign(btcec.PrivKeyFromScalar(&d), digest)
	if err != nil {
		return nil, err
	}
	return sig.Serialize(), nil
}

func status(err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// A transfer built from the wallet's outputs, signed through the chain
// adapter and finalized, is valid for btcd's script engine, and its
// virtual size is at most the estimate the fee was paid for (so the fee
// rate paid is at least the rate asked); change comes back to the wallet.
func TestTransferIsValidAndPaysItsRate(t *testing.T) {
	for _, scheme := range []string{chain.SchemeECDSA, chain.SchemeSchnorr} {
		for _, n := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d inputs", scheme, n), func(t *testing.T) {
				priv, _ := btcec.NewPrivateKey()
				key := chain.Key{Scheme: scheme, Curve: chain.CurveSecp256k1, PublicKey: priv.PubKey().SerializeCompressed()}
				addr, err := btc.New().Address(btc.NetworkBitcoinRegtest, key)
				if err != nil {
					t.Fatal(err)
				}
				p := &chaincfg.RegressionNetParams
				script, taproot, err := walletScript(p, addr)
				if err != nil || taproot != (scheme == chain.SchemeSchnorr) {
					t.Fatalf("wallet script: %v, taproot %v", err, taproot)
				}
				var cands []*Output
				prev := map[wire.OutPoint]*wire.TxOut{}
				for i := range n {
					h := fmt.Sprintf("%064x", i+1)
					cands = append(cands, &Output{TxHash: h, Vout: uint32(i), Value: 40_000, PkScript: hex.EncodeToString(script)})
				}
				_, to, err := parseRecipient(btc.NetworkBitcoinRegtest, "to", "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
				if err != nil {
					t.Fatal(err)
				}
				const rate = 7
				amount := int64(n)*40_000 - 15_000
				sel, ok := selectOutputs(cands, amount, rate, taproot, to, script)
				if !ok || len(sel.inputs) != n || sel.change <= 0 {
					t.Fatalf("selection %+v ok %v", sel, ok)
				}
				pkt, err := buildPsbt(sel, amount, to, script)
				if err != nil {
					t.Fatal(err)
				}
				for i, in := range pkt.UnsignedTx.TxIn {
					prev[in.PreviousOutPoint] = pkt.Inputs[i].WitnessUtxo
				}
				unsigned, _ := psbtHex(pkt)
				body, _ := json.Marshal(map[string]string{"psbt": unsigned})
				res, err := btc.New().Sign(context.Background(), btc.NetworkBitcoinRegtest, key, signer{priv}, chain.Request{Kind: "Psbt", Body: body})
				if err != nil {
					t.Fatal(err)
				}
				signed, err := readPsbt(res.SignedData)
				if err != nil {
					t.Fatal(err)
				}
				if err := psbt.MaybeFinalizeAll(signed); err != nil {
					t.Fatal(err)
				}
				tx, err := psbt.Extract(signed)
				if err != nil {
					t.Fatal(err)
				}
				fetcher := txscript.NewMultiPrevOutFetcher(prev)
				hashes := txscript.NewTxSigHashes(tx, fetcher)
				for i := range tx.TxIn {
					po := prev[tx.TxIn[i].PreviousOutPoint]
					vm, err := txscript.NewEngine(po.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, po.Value, fetcher)
					if err != nil {
						t.Fatal(err)
					}
					if err := vm.Execute(); err != nil {
						t.Fatalf("input %d does not verify: %v", i, err)
					}
				}
				actual := (blockchain.GetTransactionWeight(btcutil.NewTx(tx)) + 3) / 4
				estimate := vsize(n, taproot, to, script)
				if actual > estimate || estimate-actual > int64(n)+1 {
					t.Fatalf("virtual size %d, estimated %d", actual, estimate)
				}
				var out int64
				for _, o := range tx.TxOut {
					out += o.Value
				}
				if fee := int64(n)*40_000 - out; fee != sel.fee || fee < rate*actual {
					t.Fatalf("fee %d (selection %d) for %d vB at %d sat/vB", fee, sel.fee, actual, rate)
				}
				if hex.EncodeToString(tx.TxOut[1].PkScript) != hex.EncodeToString(script) || tx.TxOut[1].Value != sel.change {
					t.Fatal("the change does not come back to the wallet")
				}
			})
		}
	}
}

// Outputs are taken largest first until they pay amount and fee; a rest
// below the dust limit goes to the fee instead of a change output; not
// enough is reported with the fee it would need.
func TestSelectOutputs(t *testing.T) {
	p2wpkh := append([]byte{0, 20}, make([]byte, 20)...)
	outs := func(vs ...int64) []*Output {
		var o []*Output
		for i, v := range vs {
			o = append(o, &Output{TxHash: fmt.Sprintf("%064x", i), Value: v})
		}
		return o
	}
	fee1 := 2 * vsize(1, false, p2wpkh, p2wpkh)
	sel, ok := selectOutputs(outs(100_000, 50_000), 60_000, 2, false, p2wpkh, p2wpkh)
	if !ok || len(sel.inputs) != 1 || sel.inputs[0].Value != 100_000 || sel.change != 40_000-fee1 || sel.fee != fee1 {
		t.Fatalf("largest first with change: %+v", sel)
	}
	// A rest of 100 satoshis (under the 294 of a P2WPKH output) is fee.
	noChange := 2 * vsize(1, false, p2wpkh)
	sel, ok = selectOutputs(outs(100_000), 100_000-noChange-100, 2, false, p2wpkh, p2wpkh)
	if !ok || sel.change != 0 || sel.fee != noChange+100 {
		t.Fatalf("dust rest: %+v", sel)
	}
	sel, ok = selectOutputs(outs(100_000, 50_000), 149_900, 2, false, p2wpkh, p2wpkh)
	if ok || sel.fee != 2*vsize(2, false, p2wpkh) {
		t.Fatalf("not enough: %+v ok %v", sel, ok)
	}
	if _, ok := selectOutputs(nil, 1000, 2, false, p2wpkh, p2wpkh); ok {
		t.Fatal("nothing to spend")
	}
	if dustLimit(p2wpkh) != 294 || dustLimit(append([]byte{0x76, 0xa9, 20}, make([]byte, 22)...)) != 546 {
		t.Fatalf("dust limits %d", dustLimit(p2wpkh))
	}
}

// Amounts are decimal strings of whole satoshis within the supply;
// recipients are addresses of the wallet's network. Each refusal is a 400
// naming the field.
func TestParseInput(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, bad := range []*string{nil, s(""), s("1.5"), s("-1"), s("1e3"), s(" 1"), s("0"), s("0x10"), s("2100000000000001"), s("99999999999999999999")} {
		if _, err := parseSats(btc.NetworkBitcoin, "amount", bad); status(err) != http.StatusBadRequest {
			t.Errorf("amount %v: %v", bad, err)
		}
	}
	if v, err := parseSats(btc.NetworkLitecoin, "amount", s("8400000000000000")); err != nil || v != 8_400_000_000_000_000 {
		t.Errorf("the whole Litecoin supply: %v %v", v, err)
	}
	for _, c := range []struct{ network, to string }{
		{btc.NetworkBitcoinRegtest, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}, // mainnet
		{btc.NetworkBitcoin, "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"},        // testnet
		{btc.NetworkBitcoin, "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"},       // Litecoin
		{btc.NetworkBitcoin, "0x1111111111111111111111111111111111111111"},        // EVM
		{btc.NetworkBitcoin, ""},
	} {
		if _, _, err := parseRecipient(c.network, "to", c.to); status(err) != http.StatusBadRequest {
			t.Errorf("%s on %s: %v", c.to, c.network, err)
		}
	}
	if a, _, err := parseRecipient(btc.NetworkBitcoin, "to", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"); err != nil || a != "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4" {
		t.Errorf("upper-case bech32: %q %v", a, err)
	}
}

// Litecoin addresses (whose prefixes btcutil's decoder does not know) pay
// the script their program or hash says, on their own network only.
func TestLitecoinRecipients(t *testing.T) {
	h160 := "751e76e8199196d454941c45d1b3a323f1433bd6"
	raw, _ := hex.DecodeString(h160)
	for _, c := range []struct{ network, to, script string }{
		{btc.NetworkLitecoin, "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", "0014" + h160},
		{btc.NetworkLitecoin, base58.CheckEncode(raw, 48), "76a914" + h160 + "88ac"}, // L…
		{btc.NetworkLitecoin, base58.CheckEncode(raw, 50), "a914" + h160 + "87"},     // M…
		{btc.NetworkLitecoinTestnet, "tltc1q0fe74v45kj7uwckn97vt9srn2356p085j486rq", "00147a73eab2b4b4bdc762d32f98b2c0735469a0bcf4"},
		{btc.NetworkLitecoinRegtest, "rltc1qugcz88sljs6uwxjs7wv37gttfpt2sq89p873q2", "0014e230239e1f9435c71a50f3991f216b4856a800e5"},
	} {
		_, script, err := parseRecipient(c.network, "to", c.to)
		if err != nil || hex.EncodeToString(script) != c.script {
			t.Errorf("%s on %s: %x %v, want %s", c.to, c.network, script, err, c.script)
		}
	}
	for _, c := range []struct{ network, to string }{
		{btc.NetworkLitecoin, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},          // Bitcoin
		{btc.NetworkLitecoin, base58.CheckEncode(raw, 0)},                            // Bitcoin 1…
		{btc.NetworkLitecoin, "tltc1q0fe74v45kj7uwckn97vt9srn2356p085j486rq"},        // Litecoin testnet
		{btc.NetworkLitecoinRegtest, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"}, // ltcd's own spelling
		{btc.NetworkLitecoinRegtest, "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"},
	} {
		if _, _, err := parseRecipient(c.network, "to", c.to); status(err) != http.StatusBadRequest {
			t.Errorf("%s on %s: %v, want a 400", c.to, c.network, err)
		}
	}
	if _, _, err := walletScript(&chaincfg.MainNetParams, "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"); err == nil {
		t.Error("a Litecoin wallet address decoded as a Bitcoin one")
	}
}

// --rpc and --confirmations entries of Bitcoin-family networks are split
// from the others and checked.
func TestNodeConfig(t *testing.T) {
	mine, others := SplitEntries([]string{"BitcoinRegtest=http://u:p@127.0.0.1:1,EthereumSepolia=http://x", "Litecoin=http://y"})
	if len(mine) != 2 || len(others) != 1 || others[0] != "EthereumSepolia=http://x" {
		t.Fatalf("split %v %v", mine, others)
	}
	urls, confs, err := ParseNodes(mine, []string{"Litecoin=20"})
	if err != nil || len(urls) != 2 || confs["Litecoin"] != 20 || confs["BitcoinRegtest"] != 1 {
		t.Fatalf("parse %v %v %v", urls, confs, err)
	}
	for _, c := range []struct{ rpc, conf []string }{
		{[]string{"Bitcoin=ftp://x"}, nil},
		{[]string{"Bitcoin=http://a", "Bitcoin=http://b"}, nil},
		{[]string{"Bitcoin="}, nil},
		{[]string{"Bitcoin=http://a"}, []string{"Bitcoin=0"}},
		{[]string{"Bitcoin=http://a"}, []string{"Litecoin=3"}},
	} {
		if _, _, err := ParseNodes(c.rpc, c.conf); err == nil {
			t.Errorf("%v %v: accepted", c.rpc, c.conf)
		}
	}
	if perVByte(0.00001) != 1 || perVByte(0.00012345) != 13 || perVByte(-1) != 0 {
		t.Fatal("fee rate conversion")
	}
}

// A Psbt transaction must spend only the wallet's outputs (or finalized
// inputs) and not pay out more than its inputs hold.
func TestCheckPsbt(t *testing.T) {
	priv, _ := btcec.NewPrivateKey()
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: priv.PubKey().SerializeCompressed()}
	addr, _ := btc.New().Address(btc.NetworkBitcoinRegtest, key)
	w := &wallet.Wallet{ID: "wa-1", Network: btc.NetworkBitcoinRegtest, Address: addr}
	script, _, _ := walletScript(&chaincfg.RegressionNetParams, addr)
	other := append([]byte{0, 20}, make([]byte, 20)...)
	build := func(utxo []byte, in, out int64) string {
		sel := selection{inputs: []*Output{{TxHash: fmt.Sprintf("%064x", 7), Value: in, PkScript: hex.EncodeToString(utxo)}}}
		pkt, err := buildPsbt(sel, out, other, script)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := psbtHex(pkt)
		return h
	}
	if _, err := checkPsbt(w, build(script, 10_000, 9_000)); err != nil {
		t.Fatalf("the wallet's own input: %v", err)
	}
	for name, p := range map[string]string{
		"another's input": build(other, 10_000, 9_000),
		"pays too much":   build(script, 10_000, 11_000),
		"not hex":         "0xzz",
		"not a psbt":      "0x70736274ff00",
		"empty":           "0x",
	} {
		if _, err := checkPsbt(w, p); status(err) != http.StatusBadRequest {
			t.Errorf("%s: %v", name, err)
		}
	}
}
