package solwallet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	bin "github.com/gagliardetto/binary"
	sol "github.com/gagliardetto/solana-go"
)

// Programs the transfers use.
var (
	computeBudget = sol.MustPublicKeyFromBase58("ComputeBudget111111111111111111111111111111")
	memoProgram   = sol.MemoProgramID
	ataProgram    = sol.SPLAssociatedTokenAccountProgramID
)

// Sizes of the SPL Token accounts (the same for Token-2022's base layout).
const (
	mintSize         = 82
	tokenAccountSize = 165
)

// Fees: every signature costs baseFee lamports; a transfer with a
// compute-unit price asks for at most these many units.
const (
	baseFee       = 5000
	nativeUnits   = 2_000
	tokenUnits    = 60_000
	memoUnits     = 50_000
	maxMemoLength = 256
	maxTxSize     = 1232 // Solana's largest serialized transaction (PACKET_DATA_SIZE)
)

// mintInfo is what a mint account says of its token.
type mintInfo struct {
	Program  sol.PublicKey // Token or Token-2022
	Decimals int
}

// parseMint reads a mint account owned by program owner.
func parseMint(owner sol.PublicKey, data []byte) (mintInfo, error) {
	if !owner.Equals(sol.TokenProgramID) && !owner.Equals(sol.Token2022ProgramID) {
		return mintInfo{}, errors.New("not owned by a token program")
	}
	if len(data) < mintSize || data[45] != 1 {
		return mintInfo{}, errors.New("not an initialized mint")
	}
	if owner.Equals(sol.TokenProgramID) && len(data) != mintSize {
		return mintInfo{}, errors.New("not a mint")
	}
	if len(data) > mintSize && (len(data) <= tokenAccountSize || data[tokenAccountSize] != 1) {
		return mintInfo{}, errors.New("not a mint") // Token-2022: account type 1 is a mint
	}
	return mintInfo{Program: owner, Decimals: int(data[44])}, nil
}

// tokenAccount is the base layout of an SPL token account.
type tokenAccount struct {
	Mint, Owner sol.PublicKey
	Amount      uint64
}

// parseTokenAccount reads the base layout of a token account.
func parseTokenAccount(data []byte) (tokenAccount, error) {
	if len(data) < tokenAccountSize {
		return tokenAccount{}, errors.New("not a token account")
	}
	if len(data) > tokenAccountSize && data[tokenAccountSize] != 2 {
		return tokenAccount{}, errors.New("not a token account") // Token-2022: account type 2 is an account
	}
	return tokenAccount{Mint: sol.PublicKeyFromBytes(data[0:32]), Owner: sol.PublicKeyFromBytes(data[32:64]),
		Amount: binary.LittleEndian.Uint64(data[64:72])}, nil
}

// associated is the associated token account of owner for mint under
// token program.
func associated(owner, mint, program sol.PublicKey) (sol.PublicKey, error) {
	a, _, err := sol.FindProgramAddress([][]byte{owner[:], program[:], mint[:]}, ataProgram)
	return a, err
}

// ix is an instruction as the transfers build them.
func ix(program sol.PublicKey, data []byte, accounts ...*sol.AccountMeta) sol.Instruction {
	return sol.NewInstruction(program, accounts, data)
}

// budget is the compute-budget instructions of a transfer that asks for
// at most units and pays price micro-lamports per unit (no price
// instruction when price is 0).
func budget(price uint64, units uint32) []sol.Instruction {
	limit := make([]byte, 5)
	limit[0] = 2
	binary.LittleEndian.PutUint32(limit[1:], units)
	out := []sol.Instruction{ix(computeBudget, limit)}
	if price == 0 {
		return out
	}
	p := make([]byte, 9)
	p[0] = 3
	binary.LittleEndian.PutUint64(p[1:], price)
	return append(out, ix(computeBudget, p))
}

// unitsFor is the compute-unit limit of the transfer of request id: base
// plus a number from 0 to 4095 drawn from the id. Two transfers alike in
// everything (recipient, amount, blockhash) would otherwise be one and
// the same transaction with one signature, which Solana runs once: the
// second would be taken for sent while nothing of it moved
// (docs/protocol/sol-transfers.md §2).
func unitsFor(id string, base uint32) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return base + h.Sum32()%4096
}

// priorityFee is the lamports a price of price micro-lamports per unit
// costs for units.
func priorityFee(price uint64, units uint32) uint64 {
	return (price*uint64(units) + 999_999) / 1_000_000
}

// systemTransfer moves lamports from from to to.
func systemTransfer(from, to sol.PublicKey, lamports uint64) sol.Instruction {
	data := make([]byte, 12)
	binary.LittleEndian.PutUint32(data, 2)
	binary.LittleEndian.PutUint64(data[4:], lamports)
	return ix(sol.SystemProgramID, data, sol.Meta(from).WRITE().SIGNER(), sol.Meta(to).WRITE())
}

// memo is a memo instruction signed by signer.
func memo(signer sol.PublicKey, text string) sol.Instruction {
	return ix(memoProgram, []byte(text), sol.Meta(signer).SIGNER())
}

// createATA creates owner's associated token account for mint, paid by
// payer, unless it exists (CreateIdempotent).
func createATA(payer, ata, owner, mint, program sol.PublicKey) sol.Instruction {
	return ix(ataProgram, []byte{1}, sol.Meta(payer).WRITE().SIGNER(), sol.Meta(ata).WRITE(), sol.Meta(owner),
		sol.Meta(mint), sol.Meta(sol.SystemProgramID), sol.Meta(program))
}

// transferChecked moves amount of mint (decimals) from token account src
// to dst, authorised by owner.
func transferChecked(program, src, mint, dst, owner sol.PublicKey, amount uint64, decimals int) sol.Instruction {
	data := make([]byte, 10)
	data[0] = 12
	binary.LittleEndian.PutUint64(data[1:], amount)
	data[9] = byte(decimals)
	return ix(program, data, sol.Meta(src).WRITE(), sol.Meta(mint), sol.Meta(dst).WRITE(), sol.Meta(owner).SIGNER())
}

// unsignedTx is the serialized transaction of instructions paid by payer
// at blockhash, with empty signature slots.
func unsignedTx(payer sol.PublicKey, blockhash sol.Hash, instructions []sol.Instruction) ([]byte, error) {
	tx, err := sol.NewTransaction(instructions, blockhash, sol.TransactionPayer(payer))
	if err != nil {
		return nil, fmt.Errorf("build transaction: %w", err)
	}
	return tx.MarshalBinary()
}

// decodeTx decodes a serialized transaction that must use every byte.
func decodeTx(raw []byte) (*sol.Transaction, error) {
	if len(raw) == 0 {
		return nil, errors.New("empty transaction")
	}
	dec := bin.NewBinDecoder(raw)
	tx, err := sol.TransactionFromDecoder(dec)
	if err != nil {
		return nil, err
	}
	if dec.Remaining() != 0 {
		return nil, fmt.Errorf("%d trailing bytes", dec.Remaining())
	}
	if len(tx.Signatures) != int(tx.Message.Header.NumRequiredSignatures) {
		return nil, fmt.Errorf("%d signatures for %d required signers", len(tx.Signatures), tx.Message.Header.NumRequiredSignatures)
	}
	return tx, nil
}

// withBlockhash is raw (a serialized transaction without signatures) with
// its recent blockhash replaced.
func withBlockhash(raw []byte, h sol.Hash) ([]byte, error) {
	tx, err := decodeTx(raw)
	if err != nil {
		return nil, err
	}
	for _, s := range tx.Signatures {
		if !s.IsZero() {
			return nil, errors.New("the transaction is signed already")
		}
	}
	tx.Message.RecentBlockhash = h
	return tx.MarshalBinary()
}
