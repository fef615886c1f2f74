package solwallet

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/solana"
	"github.com/custos-dev/custos/internal/wallet"
)

var (
	walletKey = sol.MustPublicKeyFromBase58("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")
	otherKey  = sol.MustPublicKeyFromBase58("EwhmSn6HQLGRPiTgST7S1MLCqZUtsop9m8tcL6KpWGKz")
	mintKey   = sol.MustPublicKeyFromBase58("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU")
	someHash  = sol.MustHashFromBase58("2wmuUSSdGA8EQgh5NLTDUfX1y4X4X5D9Um7QMwaQHhQ7")
)

// outflowsOf reads raw (an unsigned transaction) as the policy step reads
// a Solana Transaction signature request (internal/chain/solana).
func outflowsOf(t *testing.T, raw []byte) []chain.Outflow {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(raw)})
	out, err := solana.DecodeOutflows(chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: walletKey[:]}, body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The associated token account is the one Solana's tools derive (for
// SPL Token, solana-go's FindAssociatedTokenAddress), and another one
// under Token-2022.
func TestAssociated(t *testing.T) {
	got, err := associated(walletKey, mintKey, sol.TokenProgramID)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := sol.FindAssociatedTokenAddress(walletKey, mintKey)
	if err != nil || !got.Equals(want) {
		t.Fatalf("ata %s, want %s (%v)", got, want, err)
	}
	if t22, _ := associated(walletKey, mintKey, sol.Token2022ProgramID); t22.Equals(got) {
		t.Fatal("Token-2022's associated account is SPL Token's")
	}
}

// A Native transfer's transaction decodes to one payment of the amount to
// the recipient, paid by the wallet, with the compute-unit limit of the
// request and no price when the price is 0.
func TestNativeTransaction(t *testing.T) {
	ixs := append(budget(0, unitsFor("xfr-1", nativeUnits)), systemTransfer(walletKey, otherKey, 1_500_000_000))
	raw, err := unsignedTx(walletKey, someHash, ixs)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := decodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !tx.Message.AccountKeys[0].Equals(walletKey) || tx.Message.Header.NumRequiredSignatures != 1 || !tx.Signatures[0].IsZero() {
		t.Fatalf("payer %s, %d signers", tx.Message.AccountKeys[0], tx.Message.Header.NumRequiredSignatures)
	}
	if len(tx.Message.Instructions) != 2 {
		t.Fatalf("%d instructions, want the limit and the transfer", len(tx.Message.Instructions))
	}
	out := outflowsOf(t, raw)
	if len(out) != 1 || out[0].To != otherKey.String() || out[0].Amount.Uint64() != 1_500_000_000 || out[0].Decimals != 9 {
		t.Fatalf("outflows %+v", out)
	}
	if unitsFor("xfr-1", nativeUnits) == unitsFor("xfr-2", nativeUnits) {
		t.Fatal("two request ids, one limit")
	}
	if got := budget(7, 1000); len(got) != 2 {
		t.Fatalf("a price makes %d budget instructions, want 2", len(got))
	}
	if priorityFee(1_000_000, 1000) != 1000 || priorityFee(1, 1) != 1 {
		t.Fatal("priority fee")
	}
}

// An Spl transfer's transaction decodes to a transfer_checked of the mint
// with its decimals to the recipient's token account, after the
// idempotent creation of that account.
func TestTokenTransaction(t *testing.T) {
	src, _ := associated(walletKey, mintKey, sol.TokenProgramID)
	dst, _ := associated(otherKey, mintKey, sol.TokenProgramID)
	ixs := []sol.Instruction{createATA(walletKey, dst, otherKey, mintKey, sol.TokenProgramID),
		transferChecked(sol.TokenProgramID, src, mintKey, dst, walletKey, 250_000_000, 6)}
	raw, err := unsignedTx(walletKey, someHash, ixs)
	if err != nil {
		t.Fatal(err)
	}
	out := outflowsOf(t, raw)
	if len(out) != 1 || out[0].To != dst.String() || out[0].Asset != mintKey.String() || out[0].Amount.Uint64() != 250_000_000 || out[0].Decimals != 6 {
		t.Fatalf("outflows %+v", out)
	}
}

// Mints and token accounts are told apart by size and, under Token-2022,
// by their account type byte.
func TestParseAccounts(t *testing.T) {
	mint := make([]byte, mintSize)
	mint[44], mint[45] = 6, 1
	if mi, err := parseMint(sol.TokenProgramID, mint); err != nil || mi.Decimals != 6 {
		t.Fatalf("mint: %+v %v", mi, err)
	}
	if _, err := parseMint(sol.SystemProgramID, mint); err == nil {
		t.Fatal("a mint of the System program")
	}
	uninit := make([]byte, mintSize)
	if _, err := parseMint(sol.TokenProgramID, uninit); err == nil {
		t.Fatal("an uninitialized mint")
	}
	acct := make([]byte, tokenAccountSize)
	copy(acct, mintKey[:])
	copy(acct[32:], walletKey[:])
	binary.LittleEndian.PutUint64(acct[64:], 42)
	if _, err := parseMint(sol.TokenProgramID, acct); err == nil {
		t.Fatal("a token account taken for a mint")
	}
	ta, err := parseTokenAccount(acct)
	if err != nil || !ta.Mint.Equals(mintKey) || !ta.Owner.Equals(walletKey) || ta.Amount != 42 {
		t.Fatalf("token account: %+v %v", ta, err)
	}
	// Token-2022 with extensions: type 1 is a mint, 2 an account.
	ext := make([]byte, tokenAccountSize+10)
	ext[44], ext[45], ext[tokenAccountSize] = 9, 1, 1
	if mi, err := parseMint(sol.Token2022ProgramID, ext); err != nil || mi.Decimals != 9 {
		t.Fatalf("Token-2022 mint: %+v %v", mi, err)
	}
	if _, err := parseTokenAccount(ext); err == nil {
		t.Fatal("a Token-2022 mint taken for an account")
	}
	ext[tokenAccountSize] = 2
	if _, err := parseMint(sol.Token2022ProgramID, ext); err == nil {
		t.Fatal("a Token-2022 account taken for a mint")
	}
}

// withBlockhash replaces the blockhash of an unsigned transaction and
// refuses a signed one.
func TestWithBlockhash(t *testing.T) {
	raw, _ := unsignedTx(walletKey, someHash, []sol.Instruction{systemTransfer(walletKey, otherKey, 1)})
	h := sol.HashFromBytes(make([]byte, 32))
	out, err := withBlockhash(raw, h)
	if err != nil {
		t.Fatal(err)
	}
	tx, _ := decodeTx(out)
	if !tx.Message.RecentBlockhash.Equals(h) || len(out) != len(raw) {
		t.Fatalf("blockhash %s", tx.Message.RecentBlockhash)
	}
	raw[1] = 1 // a signature byte
	if _, err := withBlockhash(raw, h); err == nil {
		t.Fatal("a signed transaction got a new blockhash")
	}
	if _, err := decodeTx(append(out, 0)); err == nil {
		t.Fatal("trailing bytes accepted")
	}
}

func TestPercentile(t *testing.T) {
	if percentile(nil, 50) != 0 {
		t.Fatal("no fees")
	}
	fees := []uint64{50, 10, 40, 20, 30}
	if percentile(fees, 25) != 20 || percentile(fees, 50) != 30 || percentile(fees, 75) != 40 || fees[0] != 50 {
		t.Fatalf("percentiles %d %d %d (input %v)", percentile(fees, 25), percentile(fees, 50), percentile(fees, 75), fees)
	}
}

// checkTransaction takes a transaction the wallet must sign whose other
// signers have signed, and names what is wrong otherwise.
func TestCheckTransaction(t *testing.T) {
	w := &wallet.Wallet{ID: "wa-1", Address: walletKey.String(), Key: wallet.SigningKey{PublicKey: walletKey[:]}}
	both := []sol.Instruction{ix(sol.SystemProgramID, []byte{2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
		sol.Meta(otherKey).WRITE().SIGNER(), sol.Meta(walletKey).WRITE().SIGNER())}
	raw, err := unsignedTx(walletKey, someHash, both)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkTransaction(w, hex.EncodeToString(raw)); err == nil || !strings.Contains(err.Error(), "needs the signature of "+otherKey.String()) {
		t.Fatalf("another signer's signature missing: %v", err)
	}
	signed := append([]byte(nil), raw...)
	signed[1+64] = 9 // the second signature slot (otherKey's)
	if _, err := checkTransaction(w, "0x"+hex.EncodeToString(signed)); err != nil {
		t.Fatalf("signed by the other signer: %v", err)
	}
	notMine, _ := unsignedTx(otherKey, someHash, []sol.Instruction{systemTransfer(otherKey, walletKey, 1)})
	if _, err := checkTransaction(w, hex.EncodeToString(notMine)); err == nil || !strings.Contains(err.Error(), "not a required signer") {
		t.Fatalf("the wallet does not sign: %v", err)
	}
	if _, err := checkTransaction(w, strings.Repeat("00", maxTxSize+1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("too long: %v", err)
	}
}
