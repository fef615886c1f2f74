package btcwallet

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg"

	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
)

// Node is the JSON-RPC endpoint (btcd, or a node that speaks its calls)
// the operator named for one Bitcoin-family network.
type Node struct {
	Network       string
	Params        *chaincfg.Params
	Confirmations int64
	c             *jsonrpc.Client
	// boolVerbose is set once the node refused getblock's numeric
	// verbosity: older btcd forks (ltcd) take a boolean "verbose".
	boolVerbose atomic.Bool
}

// IsNetwork reports whether network is a Bitcoin-family network, whose
// --rpc and --confirmations entries this package takes.
func IsNetwork(network string) bool {
	_, ok := btc.Params(network)
	return ok
}

// SplitEntries splits --rpc or --confirmations entries (NETWORK=VALUE,
// comma-separated or repeated) into those of Bitcoin-family networks and
// the others, keeping each entry whole.
func SplitEntries(entries []string) (mine, others []string) {
	return jsonrpc.SplitEntries(entries, IsNetwork)
}

// defaultConfirmations is how deep a block must be before what it holds
// counts as confirmed: 6 on Bitcoin, 12 on Litecoin (blocks four times as
// frequent), 3 on the public test networks and 1 on a local regtest chain.
func defaultConfirmations(network string) int64 {
	switch network {
	case btc.NetworkBitcoin:
		return 6
	case btc.NetworkLitecoin:
		return 12
	case btc.NetworkBitcoinRegtest, btc.NetworkLitecoinRegtest:
		return 1
	}
	return 3
}

// genesis is the hash of each network's first block, which Dial asks the
// node for. Litecoin's come from litecoin-project/litecoin
// src/chainparams.cpp (consensus.hashGenesisBlock).
var genesis = map[string]string{
	btc.NetworkLitecoin:        "12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2",
	btc.NetworkLitecoinTestnet: "4966625a4b2851d9fdee139e56211a0d88575f59ed816ff5e6a63deb4e3e29a0",
	btc.NetworkLitecoinRegtest: "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9",
}

func genesisOf(network string, p *chaincfg.Params) string {
	if h, ok := genesis[network]; ok {
		return h
	}
	return p.GenesisHash.String()
}

// ParseNodes checks the Bitcoin-family entries of --rpc and
// --confirmations (see SplitEntries): http(s) URLs, one node per network,
// confirmations from 1 to 1000 for networks that have a node. It dials
// nothing.
func ParseNodes(rpcEntries, confEntries []string) (urls map[string]string, confs map[string]int64, err error) {
	return jsonrpc.ParseNodes(rpcEntries, confEntries, "http(s)://USER:PASSWORD@HOST:PORT", defaultConfirmations)
}

// Dial connects to every node and checks that each serves its network: its
// first block must be the network's genesis block. A node of another chain
// would be sent transactions meant for another place, so Dial refuses it.
func Dial(ctx context.Context, rpcEntries, confEntries []string) (map[string]*Node, error) {
	urls, confs, err := ParseNodes(rpcEntries, confEntries)
	if err != nil {
		return nil, err
	}
	nodes := map[string]*Node{}
	for _, network := range jsonrpc.Sorted(urls) {
		p, _ := btc.Params(network)
		u, _ := url.Parse(urls[network])
		c := &jsonrpc.Client{HC: &http.Client{Timeout: 15 * time.Second}, Version: "1.0", MaxReply: maxReply}
		if u.User != nil {
			c.User = u.User.Username()
			c.Pass, _ = u.User.Password()
			u.User = nil
		}
		c.URL = u.String()
		n := &Node{Network: network, Params: p, Confirmations: confs[network], c: c}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		var got string
		err := n.call(cctx, &got, "getblockhash", 0)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("--rpc %s: ask the node its genesis block: %w", network, err)
		}
		if want := genesisOf(network, p); got != want {
			return nil, fmt.Errorf("--rpc %s: the node's genesis block is %s, but %s's is %s", network, got, network, want)
		}
		nodes[network] = n
	}
	return nodes, nil
}

// maxReply bounds what is read of one node reply (a block of 4 MB weight
// is at most 4 MB of raw bytes, 8 MB of hex).
const maxReply = 32 << 20

// call makes one JSON-RPC 1.0 call (btcd's dialect) and decodes the result
// into out.
func (n *Node) call(ctx context.Context, out any, method string, params ...any) error {
	return n.c.Call(ctx, out, method, params...)
}
