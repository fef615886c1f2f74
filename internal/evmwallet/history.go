package evmwallet

import (
	"context"

	"github.com/ethereum/go-ethereum/common"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/wire"
)

// EventView is the wire BlockchainEvent (docs/protocol/keys-wallets.md §7)
// of the kinds EVM wallets have.
type EventView struct {
	WalletID    string        `json:"walletId"`
	Direction   string        `json:"direction"`
	Network     string        `json:"network"`
	BlockNumber int64         `json:"blockNumber"`
	TxHash      string        `json:"txHash"`
	Index       string        `json:"index,omitempty"`
	Timestamp   string        `json:"timestamp"`
	Metadata    EventMetaView `json:"metadata"`
	Kind        string        `json:"kind"`
	Contract    string        `json:"contract,omitempty"`
	From        string        `json:"from"`
	To          string        `json:"to"`
	Value       string        `json:"value,omitempty"`
	TokenID     string        `json:"tokenId,omitempty"`
	Fee         string        `json:"fee,omitempty"`
	Symbol      string        `json:"symbol,omitempty"`
	Decimals    int           `json:"decimals"`
	Verified    *bool         `json:"verified,omitempty"`
}

// EventMetaView is an event's metadata.
type EventMetaView struct {
	Asset AssetMetaView  `json:"asset"`
	Fee   *AssetMetaView `json:"fee,omitempty"`
}

// HistoryView is the wire GetWalletHistoryResponse.
type HistoryView struct {
	WalletID      string      `json:"walletId"`
	Network       string      `json:"network"`
	Items         []EventView `json:"items"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

func eventView(e *Event) EventView {
	dec := e.Decimals
	v := EventView{WalletID: e.WalletID, Direction: e.Direction, Network: e.Network, BlockNumber: e.Block, TxHash: e.TxHash,
		Timestamp: wire.Time(e.Time), Kind: e.Kind, Contract: e.Contract, From: e.From, To: e.To, Value: e.Value,
		TokenID: e.TokenID, Fee: e.Fee, Symbol: e.Symbol, Decimals: dec,
		Metadata: EventMetaView{Asset: AssetMetaView{Symbol: e.Symbol, Decimals: &dec}}}
	if e.Kind == "NativeTransfer" {
		t := true
		v.Verified, v.Metadata.Asset.Verified = &t, &t
	}
	if e.Fee != "" {
		d := 18
		v.Metadata.Fee = &AssetMetaView{Symbol: nativeSymbol(e.Network), Decimals: &d}
	}
	return v
}

// History serves GET /wallets/{walletId}/history: the events the follower
// recorded, newest first. Wallets of networks without a node have none
// to show: a 400 names the missing --rpc.
func (s *Service) History(ctx context.Context, p *principal.Principal, walletID string, f HistoryFilter, pg identity.Page) (HistoryView, error) {
	w, _, err := s.evmWallet(ctx, p, walletID)
	if err != nil {
		return HistoryView{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return HistoryView{}, err
	}
	if err := f.CheckFilter([]string{"NativeTransfer", "Erc20Transfer", "Erc721Transfer"}, func() error {
		return apierr.BadRequest("kind %q has no events on EVM networks", clip(f.Kind))
	}); err != nil {
		return HistoryView{}, err
	}
	if f.Contract != "" {
		c, err := evm.ParseAddress("contract", f.Contract)
		if err != nil {
			return HistoryView{}, err
		}
		f.Contract = c.Hex()
	}
	items, next, err := Events(ctx, s.store, p.OrgID, w.ID, f, pg, eventView)
	if err != nil {
		return HistoryView{}, err
	}
	return HistoryView{WalletID: w.ID, Network: w.Network, Items: items, NextPageToken: next}, nil
}

// AssetView is one wire Asset.
type AssetView struct {
	Kind     string `json:"kind"`
	Contract string `json:"contract,omitempty"`
	Symbol   string `json:"symbol,omitempty"`
	Decimals int    `json:"decimals"`
	Verified bool   `json:"verified,omitempty"`
	Balance  string `json:"balance"`
}

// AssetsView is the wire GetWalletAssetsResponse.
type AssetsView struct {
	WalletID string      `json:"walletId"`
	Network  string      `json:"network"`
	Assets   []AssetView `json:"assets"`
}

// Assets serves GET /wallets/{walletId}/assets: the native balance and
// the balance of every ERC-20 token seen in the wallet's history, read
// from the node.
func (s *Service) Assets(ctx context.Context, p *principal.Principal, walletID string) (AssetsView, error) {
	w, _, err := s.evmWallet(ctx, p, walletID)
	if err != nil {
		return AssetsView{}, err
	}
	n, err := s.node(w.Network)
	if err != nil {
		return AssetsView{}, err
	}
	addr := common.HexToAddress(w.Address)
	bal, err := n.eth.BalanceAt(ctx, addr, nil)
	if err != nil {
		return AssetsView{}, nodeError(n.Network, err)
	}
	out := AssetsView{WalletID: w.ID, Network: w.Network,
		Assets: []AssetView{{Kind: "Native", Symbol: nativeSymbol(w.Network), Decimals: 18, Verified: true, Balance: bal.String()}}}
	contracts, err := s.store.EVMContracts(ctx, p.OrgID, w.ID)
	if err != nil {
		return AssetsView{}, err
	}
	for _, c := range contracts {
		ca := common.HexToAddress(c)
		tb, err := n.tokenBalance(ctx, ca, addr)
		if err != nil {
			return AssetsView{}, err
		}
		m := s.token(ctx, n, ca)
		out.Assets = append(out.Assets, AssetView{Kind: "Erc20", Contract: ca.Hex(), Symbol: m.Symbol, Decimals: max(m.Decimals, 0), Balance: tb.String()})
	}
	return out, nil
}

// Fees serves GET /networks/fees?network=.
func (s *Service) Fees(ctx context.Context, network string) (FeesView, error) {
	if network == "" {
		return FeesView{}, apierr.BadRequest("network is required")
	}
	if _, ok := evm.ChainID(network); !ok {
		return FeesView{}, apierr.BadRequest("fees of network %s are not supported yet", clip(network))
	}
	n := s.nodes[network]
	if n == nil {
		return FeesView{}, noNode(network)
	}
	f, err := n.estimateFees(ctx)
	if err != nil {
		return FeesView{}, err
	}
	// A network without EIP-1559 answers in the same shape (Dfns has no
	// other for EVM networks): each level's two fees are its gas price,
	// and the base fee is 0.
	return FeesView{Kind: "Eip1559", Network: network, BlockNumber: f.Block, Slow: levelView(f.Slow), Standard: levelView(f.Std),
		Fast: levelView(f.Fast), BaseFeePerGas: f.BaseFee.String()}, nil
}

// NftView is one wire Nft of an EVM wallet.
type NftView struct {
	Kind     string `json:"kind"`
	Contract string `json:"contract"`
	TokenID  string `json:"tokenId"`
	Symbol   string `json:"symbol,omitempty"`
}

// NftsView is the wire GetWalletNftsResponse.
type NftsView struct {
	WalletID string    `json:"walletId"`
	Network  string    `json:"network"`
	Nfts     []NftView `json:"nfts"`
}

// maxNftEvents bounds the events GET …/nfts replays.
const maxNftEvents = 10_000

// Nfts serves GET /wallets/{walletId}/nfts: the ERC-721 tokens whose last
// transfer the follower saw (among the wallet's newest 10,000) came in.
func (s *Service) Nfts(ctx context.Context, p *principal.Principal, walletID string) (NftsView, error) {
	w, _, err := s.evmWallet(ctx, p, walletID)
	if err != nil {
		return NftsView{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return NftsView{}, err
	}
	es, err := s.store.EVMNftEvents(ctx, p.OrgID, w.ID, maxNftEvents)
	if err != nil {
		return NftsView{}, err
	}
	type key struct{ contract, id string }
	held := map[key]*Event{}
	var order []key
	for _, e := range es {
		k := key{e.Contract, e.TokenID}
		if _, seen := held[k]; !seen {
			order = append(order, k)
		}
		held[k] = e
	}
	out := NftsView{WalletID: w.ID, Network: w.Network, Nfts: []NftView{}}
	for _, k := range order {
		if e := held[k]; e.Direction == "In" {
			out.Nfts = append(out.Nfts, NftView{Kind: "Erc721", Contract: e.Contract, TokenID: e.TokenID, Symbol: e.Symbol})
		}
	}
	return out, nil
}
