package solwallet

import (
	"context"
	"errors"
	"fmt"
	"slices"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/chain/solana"
	"github.com/custos-dev/custos/internal/wallet"
)

// plan is a checked transfer and the unsigned transaction build makes.
type plan struct {
	w        *wallet.Wallet
	n        *Node
	kind     string // Native, Spl, Spl2022
	to, mint sol.PublicKey
	amount   uint64
	priority string
	memo     string
	create   bool
	// id is the request's id, which makes its transaction unique.
	id string

	decimals int
	unsigned []byte
}

// memoUnits is the compute units a memo needs (0 without one).
func (pl *plan) memoUnits() uint32 {
	if pl.memo == "" {
		return 0
	}
	return memoUnits
}

// percentiles maps a priority to the share of recent slots whose
// prioritization fee its compute-unit price matches.
var percentiles = map[string]int{"Slow": 25, "Standard": 50, "Fast": 75}

// unitPrice is the compute-unit price (micro-lamports) of priority: the
// percentile of the recent slots' prioritization fees.
func (n *Node) unitPrice(ctx context.Context, priority string) (uint64, error) {
	fees, err := n.priorityFees(ctx)
	if err != nil {
		return 0, err
	}
	return percentile(fees, percentiles[priority]), nil
}

// percentile is the pct-th percentile of fees (0 when there are none).
func percentile(fees []uint64, pct int) uint64 {
	if len(fees) == 0 {
		return 0
	}
	fees = slices.Clone(fees)
	slices.Sort(fees)
	return fees[(len(fees)-1)*pct/100]
}

// knownSymbols names the tokens whose mints are well known; others have no
// symbol (their mint is what names them).
var knownSymbols = map[string]map[string]string{
	solana.NetworkSolana: {
		"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v": "USDC",
		"Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB": "USDT",
		"So11111111111111111111111111111111111111112":  "WSOL",
	},
	solana.NetworkSolanaDevnet: {
		"4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU": "USDC",
		"So11111111111111111111111111111111111111112":  "WSOL",
	},
}

// knownSymbol is the symbol of mint on network ("" when not known).
func knownSymbol(network string, mint sol.PublicKey) string {
	return knownSymbols[network][mint.String()]
}

// build reads what the transfer needs from the node (balances, the mint,
// token accounts, a blockhash), refuses with a 400 naming the field what
// would fail on chain, and builds the unsigned transaction.
func (s *Service) build(ctx context.Context, pl *plan) error {
	n, me := pl.n, sol.PublicKeyFromBytes(pl.w.Key.PublicKey)
	bal, err := n.balance(ctx, me.String())
	if err != nil {
		return jsonrpc.NodeError(n.Network, err)
	}
	var ixs []sol.Instruction
	fee := uint64(baseFee)
	switch pl.kind {
	case "Native":
		price, err := n.unitPrice(ctx, pl.priority)
		if err != nil {
			return jsonrpc.NodeError(n.Network, err)
		}
		units := unitsFor(pl.id, nativeUnits+pl.memoUnits())
		ixs = append(budget(price, units), systemTransfer(me, pl.to, pl.amount))
		fee += priorityFee(price, units)
		rent, err := n.rentExempt(ctx, 0)
		if err != nil {
			return jsonrpc.NodeError(n.Network, err)
		}
		if pl.amount > bal || bal-pl.amount < fee {
			return apierr.BadRequest("amount %d lamports plus a fee of %d exceeds the wallet's balance of %d lamports", pl.amount, fee, bal)
		}
		if left := bal - pl.amount - fee; left > 0 && left < rent {
			return apierr.BadRequest("amount %d lamports would leave the wallet %d lamports, less than the %d an account must keep (send all or less)",
				pl.amount, left, rent)
		}
		toBal, err := n.balance(ctx, pl.to.String())
		if err != nil {
			return jsonrpc.NodeError(n.Network, err)
		}
		if toBal+pl.amount < rent {
			return apierr.BadRequest("amount %d lamports is less than the %d a new account must hold", pl.amount, rent)
		}
	default:
		if err := s.buildToken(ctx, pl, me, bal, &ixs, &fee); err != nil {
			return err
		}
	}
	if pl.memo != "" {
		ixs = append(ixs, memo(me, pl.memo))
	}
	h, _, err := n.latestBlockhash(ctx)
	if err != nil {
		return jsonrpc.NodeError(n.Network, err)
	}
	pl.unsigned, err = unsignedTx(me, h, ixs)
	if err != nil {
		return err
	}
	if len(pl.unsigned) > maxTxSize {
		return apierr.BadRequest("the transaction would be %d bytes, more than Solana's %d (shorten memo)", len(pl.unsigned), maxTxSize)
	}
	return nil
}

// buildToken adds the instructions of an Spl or Spl2022 transfer: the
// recipient's associated token account created when asked, then a
// transfer_checked from the wallet's associated token account.
func (s *Service) buildToken(ctx context.Context, pl *plan, me sol.PublicKey, bal uint64, ixs *[]sol.Instruction, fee *uint64) error {
	n := pl.n
	*ixs = append(*ixs, budget(0, unitsFor(pl.id, tokenUnits+pl.memoUnits()))...)
	acct, err := n.accountInfo(ctx, pl.mint.String())
	if errors.Is(err, errNoAccount) {
		return apierr.BadRequest("mint %s is not an account on %s", pl.mint, n.Network)
	}
	if err != nil {
		return jsonrpc.NodeError(n.Network, err)
	}
	mi, err := parseMint(acct.Owner, acct.Data)
	if err != nil {
		return apierr.BadRequest("mint %s is not a token mint (%s)", pl.mint, err.Error())
	}
	want := sol.TokenProgramID
	if pl.kind == "Spl2022" {
		want = sol.Token2022ProgramID
	}
	if !mi.Program.Equals(want) {
		return apierr.BadRequest("mint %s belongs to program %s, not to the program of kind %s", pl.mint, mi.Program, pl.kind)
	}
	pl.decimals = mi.Decimals
	src, err := associated(me, pl.mint, mi.Program)
	if err != nil {
		return err
	}
	held := uint64(0)
	if a, err := n.accountInfo(ctx, src.String()); err == nil {
		if ta, err := parseTokenAccount(a.Data); err == nil && ta.Mint.Equals(pl.mint) {
			held = ta.Amount
		}
	} else if !errors.Is(err, errNoAccount) {
		return jsonrpc.NodeError(n.Network, err)
	}
	if pl.amount > held {
		return apierr.BadRequest("amount %d exceeds the wallet's balance of %d of mint %s", pl.amount, held, pl.mint)
	}
	dst, err := s.destination(ctx, pl, mi)
	if err != nil {
		return err
	}
	if dst.IsZero() {
		if !pl.create {
			return apierr.BadRequest("to %s has no token account for mint %s: set createDestinationAccount to pay for one", pl.to, pl.mint)
		}
		if dst, err = associated(pl.to, pl.mint, mi.Program); err != nil {
			return err
		}
		rent, err := n.rentExempt(ctx, tokenAccountSize)
		if err != nil {
			return jsonrpc.NodeError(n.Network, err)
		}
		*fee += rent
		*ixs = append(*ixs, createATA(me, dst, pl.to, pl.mint, mi.Program))
	}
	*ixs = append(*ixs, transferChecked(mi.Program, src, pl.mint, dst, me, pl.amount, mi.Decimals))
	if bal < *fee {
		return apierr.BadRequest("the wallet's %d lamports do not pay the fee of %d lamports (with the recipient's token account)", bal, *fee)
	}
	return nil
}

// destination is the token account a token transfer pays: to itself when
// it is a token account of the mint, else to's associated token account
// when it exists (zero when it does not).
func (s *Service) destination(ctx context.Context, pl *plan, mi mintInfo) (sol.PublicKey, error) {
	n := pl.n
	a, err := n.accountInfo(ctx, pl.to.String())
	if err != nil && !errors.Is(err, errNoAccount) {
		return sol.PublicKey{}, jsonrpc.NodeError(n.Network, err)
	}
	if err == nil && a.Owner.Equals(mi.Program) {
		ta, perr := parseTokenAccount(a.Data)
		if perr != nil || !ta.Mint.Equals(pl.mint) {
			return sol.PublicKey{}, apierr.BadRequest("to %s is a token account, but not of mint %s", pl.to, pl.mint)
		}
		return pl.to, nil
	}
	ata, err := associated(pl.to, pl.mint, mi.Program)
	if err != nil {
		return sol.PublicKey{}, fmt.Errorf("associated token account: %w", err)
	}
	if _, err := n.accountInfo(ctx, ata.String()); errors.Is(err, errNoAccount) {
		return sol.PublicKey{}, nil
	} else if err != nil {
		return sol.PublicKey{}, jsonrpc.NodeError(n.Network, err)
	}
	return ata, nil
}
