package solwallet

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/chain/solana"
)

// Node is the JSON-RPC endpoint the operator named for one Solana network
// (a validator's RPC port or a provider speaking the same calls).
type Node struct {
	Network string
	// Confirmations is how many slots behind the finalized slot the
	// follower reads (1: the finalized slot itself).
	Confirmations int64
	c             *jsonrpc.Client
}

// IsNetwork reports whether network is a Solana network, whose --rpc and
// --confirmations entries this package takes.
func IsNetwork(network string) bool {
	return network == solana.NetworkSolana || network == solana.NetworkSolanaDevnet
}

// SplitEntries splits --rpc or --confirmations entries (NETWORK=VALUE,
// comma-separated or repeated) into those of Solana networks and the
// others, keeping each entry whole.
func SplitEntries(entries []string) (mine, others []string) {
	return jsonrpc.SplitEntries(entries, IsNetwork)
}

// genesis is the genesis hash of each network, which Dial asks the node
// for (getGenesisHash; the values Solana's own explorer and tools list for
// mainnet-beta and devnet).
var genesis = map[string]string{
	solana.NetworkSolana:       "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d",
	solana.NetworkSolanaDevnet: "EtWTRABZaYq6iMfeYKouRu166VNyUGN4SqtYEwzt1SPW",
}

// ParseNodes checks the Solana entries of --rpc and --confirmations (see
// SplitEntries): http(s) URLs, one node per network, confirmations from 1
// to 1000 for networks that have a node (default 1). It dials nothing.
func ParseNodes(rpcEntries, confEntries []string) (urls map[string]string, confs map[string]int64, err error) {
	return jsonrpc.ParseNodes(rpcEntries, confEntries, "http(s)://HOST:PORT", func(string) int64 { return 1 })
}

// Dial connects to every node and checks that each serves its network: its
// genesis hash must be the network's. A node of another cluster would be
// sent transactions meant for another place, so Dial refuses it.
func Dial(ctx context.Context, rpcEntries, confEntries []string) (map[string]*Node, error) {
	urls, confs, err := ParseNodes(rpcEntries, confEntries)
	if err != nil {
		return nil, err
	}
	nodes := map[string]*Node{}
	for _, network := range jsonrpc.Sorted(urls) {
		n := &Node{Network: network, Confirmations: confs[network],
			c: &jsonrpc.Client{URL: urls[network], HC: &http.Client{Timeout: 15 * time.Second}, Version: "2.0", MaxReply: maxReply}}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		var got string
		err := n.c.Call(cctx, &got, "getGenesisHash")
		cancel()
		if err != nil {
			return nil, fmt.Errorf("--rpc %s: ask the node its genesis hash: %w", network, err)
		}
		if want := genesis[network]; got != want {
			return nil, fmt.Errorf("--rpc %s: the node's genesis hash is %s, but %s's is %s", network, got, network, want)
		}
		nodes[network] = n
	}
	return nodes, nil
}

// commitment is the option object of reads at a commitment level.
func commitment(level string) map[string]any { return map[string]any{"commitment": level} }

// latestBlockhash returns the newest blockhash and the last block height
// at which a transaction using it can land.
func (n *Node) latestBlockhash(ctx context.Context) (sol.Hash, uint64, error) {
	var out struct {
		Value struct {
			Blockhash            string `json:"blockhash"`
			LastValidBlockHeight uint64 `json:"lastValidBlockHeight"`
		} `json:"value"`
	}
	if err := n.c.Call(ctx, &out, "getLatestBlockhash", commitment("confirmed")); err != nil {
		return sol.Hash{}, 0, err
	}
	h, err := sol.HashFromBase58(out.Value.Blockhash)
	if err != nil {
		return sol.Hash{}, 0, fmt.Errorf("getLatestBlockhash: %w", err)
	}
	return h, out.Value.LastValidBlockHeight, nil
}

// blockhashValid reports whether a transaction using h can still land.
func (n *Node) blockhashValid(ctx context.Context, h sol.Hash) (bool, error) {
	var out struct {
		Value bool `json:"value"`
	}
	err := n.c.Call(ctx, &out, "isBlockhashValid", h.String(), commitment("processed"))
	return out.Value, err
}

// blockHeight returns the height of the newest finalized block.
func (n *Node) blockHeight(ctx context.Context) (int64, error) {
	var out int64
	err := n.c.Call(ctx, &out, "getBlockHeight", commitment("finalized"))
	return out, err
}

// balance returns the lamports of address.
func (n *Node) balance(ctx context.Context, address string) (uint64, error) {
	var out struct {
		Value uint64 `json:"value"`
	}
	err := n.c.Call(ctx, &out, "getBalance", address, commitment("confirmed"))
	return out.Value, err
}

// account is an account as getAccountInfo returns it.
type account struct {
	Lamports uint64
	Owner    sol.PublicKey
	Data     []byte
}

// errNoAccount is an address that holds no account.
var errNoAccount = errors.New("solwallet: no such account")

// accountInfo returns the account at address, or errNoAccount.
func (n *Node) accountInfo(ctx context.Context, address string) (*account, error) {
	var out struct {
		Value *struct {
			Lamports uint64    `json:"lamports"`
			Owner    string    `json:"owner"`
			Data     [2]string `json:"data"`
		} `json:"value"`
	}
	if err := n.c.Call(ctx, &out, "getAccountInfo", address, map[string]any{"encoding": "base64", "commitment": "confirmed"}); err != nil {
		return nil, err
	}
	if out.Value == nil {
		return nil, errNoAccount
	}
	owner, err := sol.PublicKeyFromBase58(out.Value.Owner)
	if err != nil {
		return nil, fmt.Errorf("getAccountInfo %s: owner: %w", address, err)
	}
	data, err := base64.StdEncoding.DecodeString(out.Value.Data[0])
	if err != nil {
		return nil, fmt.Errorf("getAccountInfo %s: data: %w", address, err)
	}
	return &account{Lamports: out.Value.Lamports, Owner: owner, Data: data}, nil
}

// rentExempt is the lamports an account of size bytes must hold.
func (n *Node) rentExempt(ctx context.Context, size int) (uint64, error) {
	var out uint64
	err := n.c.Call(ctx, &out, "getMinimumBalanceForRentExemption", size)
	return out, err
}

// slot returns the newest slot at level.
func (n *Node) slot(ctx context.Context, level string) (int64, error) {
	var out int64
	err := n.c.Call(ctx, &out, "getSlot", commitment(level))
	return out, err
}

// blocks lists the slots from start to end (inclusive) that have a block.
func (n *Node) blocks(ctx context.Context, start, end int64) ([]int64, error) {
	var out []int64
	err := n.c.Call(ctx, &out, "getBlocks", start, end, commitment("finalized"))
	return out, err
}

// sigStatus is one answer of getSignatureStatuses.
type sigStatus struct {
	Slot               int64  `json:"slot"`
	Err                any    `json:"err"`
	ConfirmationStatus string `json:"confirmationStatus"`
}

// statuses returns the status of each signature (nil: the node knows
// none), searching the node's whole history.
func (n *Node) statuses(ctx context.Context, sigs []string) ([]*sigStatus, error) {
	var out struct {
		Value []*sigStatus `json:"value"`
	}
	if err := n.c.Call(ctx, &out, "getSignatureStatuses", sigs, map[string]any{"searchTransactionHistory": true}); err != nil {
		return nil, err
	}
	if len(out.Value) != len(sigs) {
		return nil, fmt.Errorf("getSignatureStatuses: %d answers for %d signatures", len(out.Value), len(sigs))
	}
	return out.Value, nil
}

// send sends a signed transaction (raw bytes) with the node's preflight
// checks, and returns its signature.
func (n *Node) send(ctx context.Context, raw []byte) (string, error) {
	var sig string
	err := n.c.Call(ctx, &sig, "sendTransaction", base64.StdEncoding.EncodeToString(raw),
		map[string]any{"encoding": "base64", "preflightCommitment": "confirmed", "maxRetries": 5})
	return sig, err
}

// priorityFees lists the prioritization fees (micro-lamports per compute
// unit) of recent slots.
func (n *Node) priorityFees(ctx context.Context) ([]uint64, error) {
	var out []struct {
		PrioritizationFee uint64 `json:"prioritizationFee"`
	}
	if err := n.c.Call(ctx, &out, "getRecentPrioritizationFees"); err != nil {
		return nil, err
	}
	fees := make([]uint64, 0, len(out))
	for _, f := range out {
		fees = append(fees, f.PrioritizationFee)
	}
	return fees, nil
}

// tokenBalance sums what owner holds of mint in the token accounts it
// owns.
func (n *Node) tokenBalance(ctx context.Context, owner, mint sol.PublicKey) (uint64, error) {
	var out struct {
		Value []struct {
			Account struct {
				Data [2]string `json:"data"`
			} `json:"account"`
		} `json:"value"`
	}
	if err := n.c.Call(ctx, &out, "getTokenAccountsByOwner", owner.String(), map[string]any{"mint": mint.String()},
		map[string]any{"encoding": "base64", "commitment": "confirmed"}); err != nil {
		return 0, err
	}
	var sum uint64
	for _, a := range out.Value {
		data, err := base64.StdEncoding.DecodeString(a.Account.Data[0])
		if err != nil {
			return 0, fmt.Errorf("getTokenAccountsByOwner: data: %w", err)
		}
		ta, err := parseTokenAccount(data)
		if err != nil {
			continue
		}
		if ta.Mint.Equals(mint) && ta.Owner.Equals(owner) {
			sum += ta.Amount
		}
	}
	return sum, nil
}

// maxReply bounds what is read of one node reply (a full block of base64
// transactions stays well below it).
const maxReply = 64 << 20
