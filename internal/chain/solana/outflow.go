package solana

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	bin "github.com/gagliardetto/binary"
	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/chain"
)

// Programs whose instructions DecodeOutflows reads or knows to move
// nothing out of the wallet.
var (
	systemProgram  = sol.SystemProgramID
	tokenProgram   = sol.TokenProgramID
	token2022      = sol.Token2022ProgramID
	computeBudget  = sol.MustPublicKeyFromBase58("ComputeBudget111111111111111111111111111111")
	associatedATA  = sol.SPLAssociatedTokenAccountProgramID
	memoProgram    = sol.MemoProgramID
	systemTransfer = uint32(2)
	splTransfer    = byte(3)
	splChecked     = byte(12)
)

// DecodeOutflows reads the payments of a Transaction signature request
// body out of wallet key: System transfers (lamports, 9 decimals) and SPL
// Token transfers the wallet authorises (the recipient is the destination
// token account; the asset is the mint, known only for TransferChecked).
// Compute-budget, memo and associated-token-account instructions move
// nothing; any other instruction, or accounts from address lookup tables,
// make the outflow unknown (an error).
func DecodeOutflows(key chain.Key, body json.RawMessage) ([]chain.Outflow, error) {
	var in struct {
		Transaction string `json:"transaction"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errors.New("transaction body is not valid")
	}
	raw, err := chain.DecodeHex("transaction", in.Transaction)
	if err != nil || len(raw) == 0 {
		return nil, errors.New("transaction is not hex")
	}
	numSigs, prefix, err := bin.DecodeCompactU16(raw)
	if err != nil || prefix+sigSize*numSigs >= len(raw) {
		return nil, errors.New("transaction does not decode")
	}
	msg, err := decodeMessage(raw[prefix+sigSize*numSigs:])
	if err != nil {
		return nil, err
	}
	keys := msg.AccountKeys
	acct := func(ix sol.CompiledInstruction, i int) (sol.PublicKey, error) {
		if i >= len(ix.Accounts) || int(ix.Accounts[i]) >= len(keys) {
			return sol.PublicKey{}, errors.New("an instruction uses an account from an address lookup table")
		}
		return keys[ix.Accounts[i]], nil
	}
	var out []chain.Outflow
	for n, ix := range msg.Instructions {
		if int(ix.ProgramIDIndex) >= len(keys) {
			return nil, fmt.Errorf("instruction %d: program account out of range", n)
		}
		prog, data := keys[ix.ProgramIDIndex], []byte(ix.Data)
		switch {
		case prog.Equals(computeBudget), prog.Equals(memoProgram), prog.Equals(associatedATA):
			continue
		case prog.Equals(systemProgram) && len(data) == 12 && binary.LittleEndian.Uint32(data) == systemTransfer:
			from, err := acct(ix, 0)
			if err != nil {
				return nil, err
			}
			to, err := acct(ix, 1)
			if err != nil {
				return nil, err
			}
			if bytes.Equal(from[:], key.PublicKey) {
				out = append(out, chain.Outflow{To: to.String(), Amount: new(big.Int).SetUint64(binary.LittleEndian.Uint64(data[4:])), Decimals: 9})
			}
			continue
		case (prog.Equals(tokenProgram) || prog.Equals(token2022)) && len(data) == 9 && data[0] == splTransfer:
			to, err := acct(ix, 1)
			if err != nil {
				return nil, err
			}
			owner, err := acct(ix, 2)
			if err != nil {
				return nil, err
			}
			if bytes.Equal(owner[:], key.PublicKey) {
				out = append(out, chain.Outflow{To: to.String(), Amount: new(big.Int).SetUint64(binary.LittleEndian.Uint64(data[1:])),
					Asset: "unknown mint", Decimals: -1})
			}
			continue
		case (prog.Equals(tokenProgram) || prog.Equals(token2022)) && len(data) == 10 && data[0] == splChecked:
			mint, err := acct(ix, 1)
			if err != nil {
				return nil, err
			}
			to, err := acct(ix, 2)
			if err != nil {
				return nil, err
			}
			owner, err := acct(ix, 3)
			if err != nil {
				return nil, err
			}
			if bytes.Equal(owner[:], key.PublicKey) {
				out = append(out, chain.Outflow{To: to.String(), Amount: new(big.Int).SetUint64(binary.LittleEndian.Uint64(data[1:9])),
					Asset: mint.String(), Decimals: int(data[9])})
			}
			continue
		}
		return nil, fmt.Errorf("instruction %d of program %s: what it moves cannot be determined", n, prog)
	}
	return out, nil
}
