package evmwallet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
)

// Node is the JSON-RPC endpoint the operator named for one EVM network.
type Node struct {
	Network       string
	ChainID       int64
	Confirmations int64
	url           string
	rpc           *rpc.Client
	eth           *ethclient.Client
}

// NodeConfig is what the operator gives: --rpc NETWORK=URL (repeatable, or
// CUSTOS_RPC as NETWORK=URL,NETWORK=URL) and --confirmations NETWORK=N.
type NodeConfig struct {
	RPC           []string
	Confirmations []string
}

// defaultConfirmations is how deep a block must be before what it holds
// counts as confirmed, when --confirmations does not say: 12 on Ethereum
// mainnet and Ethereum Classic, 3 elsewhere (testnets and rollups, whose
// sequencers do not reorganise blocks they have published).
func defaultConfirmations(network string) int64 {
	switch network {
	case "Ethereum", "EthereumClassic":
		return 12
	}
	return 3
}

// ParseNodes checks a NodeConfig: known EVM networks, http(s) or ws(s)
// URLs, one node per network, positive confirmations for networks that
// have a node. It dials nothing.
func ParseNodes(c NodeConfig) (urls map[string]string, confs map[string]int64, err error) {
	urls = map[string]string{}
	for _, entry := range c.RPC {
		for _, kv := range strings.Split(entry, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			network, raw, ok := strings.Cut(kv, "=")
			if !ok || network == "" || raw == "" {
				return nil, nil, fmt.Errorf("--rpc takes NETWORK=URL, not %q", kv)
			}
			if _, evmNet := evm.ChainID(network); !evmNet {
				return nil, nil, fmt.Errorf("--rpc %s: not an EVM network Custos knows", network)
			}
			u, err := url.Parse(raw)
			if err != nil || u.Host == "" || !(u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "ws" || u.Scheme == "wss") {
				return nil, nil, fmt.Errorf("--rpc %s: the URL must be http(s):// or ws(s)://", network)
			}
			if _, dup := urls[network]; dup {
				return nil, nil, fmt.Errorf("--rpc %s is given twice", network)
			}
			urls[network] = raw
		}
	}
	confs = map[string]int64{}
	for _, entry := range c.Confirmations {
		for _, kv := range strings.Split(entry, ",") {
			network, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			n, err := strconv.ParseInt(v, 10, 64)
			if !ok || err != nil || n < 1 || n > 1000 {
				return nil, nil, fmt.Errorf("--confirmations takes NETWORK=N with N from 1 to 1000, not %q", kv)
			}
			if _, known := urls[network]; !known {
				return nil, nil, fmt.Errorf("--confirmations %s: the network has no --rpc", network)
			}
			confs[network] = n
		}
	}
	for network := range urls {
		if _, ok := confs[network]; !ok {
			confs[network] = defaultConfirmations(network)
		}
	}
	return urls, confs, nil
}

// Dial connects to every node of c and checks that each answers with its
// network's chain id: a node of another chain would sign and send
// transactions to the wrong place, so Dial refuses it.
func Dial(ctx context.Context, c NodeConfig) (map[string]*Node, error) {
	urls, confs, err := ParseNodes(c)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	sort.Strings(names)
	nodes := map[string]*Node{}
	for _, network := range names {
		want, _ := evm.ChainID(network)
		hc := &http.Client{Timeout: 15 * time.Second}
		rc, err := rpc.DialOptions(ctx, urls[network], rpc.WithHTTPClient(hc))
		if err != nil {
			closeNodes(nodes)
			return nil, fmt.Errorf("--rpc %s: %w", network, err)
		}
		n := &Node{Network: network, ChainID: want, Confirmations: confs[network], url: urls[network], rpc: rc, eth: ethclient.NewClient(rc)}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		got, err := n.eth.ChainID(cctx)
		cancel()
		if err != nil {
			rc.Close()
			closeNodes(nodes)
			return nil, fmt.Errorf("--rpc %s: ask the node its chain id: %w", network, err)
		}
		if !got.IsInt64() || got.Int64() != want {
			rc.Close()
			closeNodes(nodes)
			return nil, fmt.Errorf("--rpc %s: the node serves chain id %s, but %s is chain id %d", network, got, network, want)
		}
		nodes[network] = n
	}
	return nodes, nil
}

func closeNodes(nodes map[string]*Node) {
	for _, n := range nodes {
		n.rpc.Close()
	}
}

// nodeError turns a failure to talk to the node of network into the API
// error: 503 when the node cannot be reached or does not answer in time
// (the caller may retry), 502 when it answers with an error.
func nodeError(network string, err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return err
	}
	var rpcErr rpc.Error
	var httpErr rpc.HTTPError
	switch {
	case errors.As(err, &rpcErr):
		return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node answered with an error", network)}).Wrap(err)
	case errors.As(err, &httpErr):
		return (&apierr.Error{Status: http.StatusBadGateway, Message: fmt.Sprintf("the %s node answered HTTP %d", network, httpErr.StatusCode)}).Wrap(err)
	}
	return jsonrpc.Unreachable(network, err)
}

// noNode is the 400 for a network without a node.
func noNode(network string) error { return jsonrpc.NoNode(network) }
