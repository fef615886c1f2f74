package policy_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/policy"
)

// evalKey evaluates a request of kind on network signed with key.
func (e *engine) evalKey(t *testing.T, network, kind string, key chain.Key, body string) policy.Decision {
	t.Helper()
	d, err := e.s.Evaluate(bg, policy.Activity{Kind: policy.KindWalletsSign, Principal: e.p, WalletID: "wa-1",
		Network: network, RequestKind: kind, Key: key, Body: json.RawMessage(body), RequestID: "sig-x"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func p2wpkh(t *testing.T, pub []byte) (script []byte, addr string) {
	a, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(pub), &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	script, _ = txscript.PayToAddrScript(a)
	return script, a.EncodeAddress()
}

// psbtBody is an unsigned PSBT paying change back to the wallet and value
// satoshis to script.
func psbtBody(t *testing.T, wallet, script []byte, value int64) string {
	in := []*wire.OutPoint{wire.NewOutPoint(&chainhash.Hash{1}, 0)}
	out := []*wire.TxOut{wire.NewTxOut(50_000, wallet), wire.NewTxOut(value, script)}
	pkt, err := psbt.New(in, out, 2, 0, []uint32{wire.MaxTxInSequenceNum})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := pkt.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return `{"kind":"Psbt","psbt":"0x` + hex.EncodeToString(b.Bytes()) + `"}`
}

func TestPsbtOutflows(t *testing.T) {
	e := newEngine(t, "BTC=60000")
	priv, _ := btcec.NewPrivateKey()
	pub := priv.PubKey().SerializeCompressed()
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: pub}
	self, _ := p2wpkh(t, pub)
	other, _ := btcec.NewPrivateKey()
	friendScript, friendAddr := p2wpkh(t, other.PubKey().SerializeCompressed())
	stranger, _ := btcec.NewPrivateKey()
	strangerScript, _ := p2wpkh(t, stranger.PubKey().SerializeCompressed())

	// Listed in upper case: bech32 compares case-insensitively.
	e.rule(t, `{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["`+bytesUpper(friendAddr)+`"]}}`, `{"kind":"Block"}`)
	e.rule(t, `{"kind":"TransactionAmountLimit","configuration":{"limit":600,"currency":"USD"}}`, `{"kind":"Block"}`)
	for name, tc := range map[string]struct {
		body string
		want policy.Outcome
	}{
		// 0.009 BTC = 540 USD; the 50,000 sat change is not counted.
		"to a listed address under the limit": {psbtBody(t, self, friendScript, 900_000), policy.Allow},
		"to a listed address over the limit":  {psbtBody(t, self, friendScript, 1_100_000), policy.Deny},
		"to another address":                  {psbtBody(t, self, strangerScript, 1000), policy.Deny},
	} {
		if d := e.evalKey(t, "Bitcoin", "Psbt", key, tc.body); d.Outcome != tc.want {
			t.Errorf("%s: outcome %d, want %d (%s)", name, d.Outcome, tc.want, d.Reason)
		}
	}
}

func bytesUpper(s string) string { return string(bytes.ToUpper([]byte(s))) }

func solanaTx(t *testing.T, payer sol.PublicKey, ixs ...sol.Instruction) string {
	tx, err := sol.NewTransaction(ixs, sol.Hash{7}, sol.TransactionPayer(payer))
	if err != nil {
		t.Fatal(err)
	}
	tx.Signatures = make([]sol.Signature, tx.Message.Header.NumRequiredSignatures)
	b, err := tx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return `{"kind":"Transaction","transaction":"0x` + hex.EncodeToString(b) + `"}`
}

func TestSolanaOutflows(t *testing.T) {
	e := newEngine(t, "SOL=100", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v=1")
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
	wallet := sol.PublicKeyFromBytes(pub)
	friend, stranger := sol.NewWallet().PublicKey(), sol.NewWallet().PublicKey()
	mint := sol.MustPublicKeyFromBase58("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
	source := sol.NewWallet().PublicKey()

	e.rule(t, `{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["`+friend.String()+`"]}}`, `{"kind":"Block"}`)
	e.rule(t, `{"kind":"TransactionAmountLimit","configuration":{"limit":50,"currency":"USD"}}`, `{"kind":"Block"}`)
	sysTransfer := func(to sol.PublicKey, lamports uint64) sol.Instruction {
		return system.NewTransferInstruction(lamports, wallet, to).Build()
	}
	splTransfer := func(to sol.PublicKey, amount uint64) sol.Instruction {
		// TransferChecked: [12, amount u64 LE, decimals]; source, mint,
		// destination, owner.
		data := binary.LittleEndian.AppendUint64([]byte{12}, amount)
		return sol.NewInstruction(sol.TokenProgramID, sol.AccountMetaSlice{sol.Meta(source).WRITE(), sol.Meta(mint),
			sol.Meta(to).WRITE(), sol.Meta(wallet).SIGNER()}, append(data, 6))
	}
	for name, tc := range map[string]struct {
		body string
		want policy.Outcome
	}{
		"0.4 SOL = 40 USD to a listed account":  {solanaTx(t, wallet, sysTransfer(friend, 400_000_000)), policy.Allow},
		"0.6 SOL = 60 USD to a listed account":  {solanaTx(t, wallet, sysTransfer(friend, 600_000_000)), policy.Deny},
		"to another account":                    {solanaTx(t, wallet, sysTransfer(stranger, 1)), policy.Deny},
		"49 USDC (TransferChecked) to listed":   {solanaTx(t, wallet, splTransfer(friend, 49_000_000)), policy.Allow},
		"51 USDC (TransferChecked) to listed":   {solanaTx(t, wallet, splTransfer(friend, 51_000_000)), policy.Deny},
		"two transfers, one to another account": {solanaTx(t, wallet, sysTransfer(friend, 1), sysTransfer(stranger, 1)), policy.Deny},
		"an unknown program fails closed": {solanaTx(t, wallet, sol.NewInstruction(sol.NewWallet().PublicKey(),
			sol.AccountMetaSlice{sol.Meta(wallet).SIGNER().WRITE()}, []byte{1})), policy.Deny},
	} {
		if d := e.evalKey(t, "Solana", "Transaction", key, tc.body); d.Outcome != tc.want {
			t.Errorf("%s: outcome %d, want %d (%s)", name, d.Outcome, tc.want, d.Reason)
		}
	}
}
