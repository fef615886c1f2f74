package btcwallet

import (
	"context"
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/wire"
)

// EventView is the wire BlockchainEvent of kind UtxoTransfer
// (docs/protocol/keys-wallets.md §7).
type EventView struct {
	WalletID    string        `json:"walletId"`
	Direction   string        `json:"direction"`
	Network     string        `json:"network"`
	BlockNumber int64         `json:"blockNumber"`
	TxHash      string        `json:"txHash"`
	Timestamp   string        `json:"timestamp"`
	Metadata    EventMetaView `json:"metadata"`
	Kind        string        `json:"kind"`
	Froms       []string      `json:"froms"`
	Tos         []string      `json:"tos"`
	Value       string        `json:"value"`
	Fee         string        `json:"fee,omitempty"`
}

// EventMetaView is an event's metadata.
type EventMetaView struct {
	Asset evmwallet.AssetMetaView  `json:"asset"`
	Fee   *evmwallet.AssetMetaView `json:"fee,omitempty"`
}

// HistoryView is the wire GetWalletHistoryResponse.
type HistoryView struct {
	WalletID      string      `json:"walletId"`
	Network       string      `json:"network"`
	Items         []EventView `json:"items"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func eventView(e *evmwallet.Event) EventView {
	dec, t := 8, true
	meta := evmwallet.AssetMetaView{Symbol: e.Symbol, Decimals: &dec, Verified: &t}
	v := EventView{WalletID: e.WalletID, Direction: e.Direction, Network: e.Network, BlockNumber: e.Block, TxHash: e.TxHash,
		Timestamp: wire.Time(e.Time), Kind: e.Kind, Froms: split(e.From), Tos: split(e.To), Value: e.Value, Fee: e.Fee,
		Metadata: EventMetaView{Asset: meta}}
	if e.Fee != "" {
		v.Metadata.Fee = &meta
	}
	return v
}

// History serves GET /wallets/{walletId}/history of a Bitcoin-family
// wallet: the events the follower recorded, newest first.
func (s *Service) History(ctx context.Context, p *principal.Principal, walletID string, f evmwallet.HistoryFilter, pg identity.Page) (HistoryView, error) {
	w, err := s.btcWallet(ctx, p, walletID)
	if err != nil {
		return HistoryView{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return HistoryView{}, err
	}
	if err := f.CheckFilter([]string{"UtxoTransfer"}, func() error {
		return apierr.BadRequest("kind %q has no events on %s (UtxoTransfer)", clip(f.Kind), w.Network)
	}); err != nil {
		return HistoryView{}, err
	}
	if f.Contract != "" {
		return HistoryView{}, apierr.BadRequest("contract does not apply to %s", w.Network)
	}
	items, next, err := evmwallet.Events(ctx, s.store, p.OrgID, w.ID, f, pg, eventView)
	if err != nil {
		return HistoryView{}, err
	}
	return HistoryView{WalletID: w.ID, Network: w.Network, Items: items, NextPageToken: next}, nil
}

// Assets serves GET /wallets/{walletId}/assets of a Bitcoin-family wallet:
// the sum of its unspent outputs as the follower recorded them
// (confirmed --confirmations deep; outputs of a transfer on its way out
// count until the block that spends them is read).
func (s *Service) Assets(ctx context.Context, p *principal.Principal, walletID string) (evmwallet.AssetsView, error) {
	w, err := s.btcWallet(ctx, p, walletID)
	if err != nil {
		return evmwallet.AssetsView{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return evmwallet.AssetsView{}, err
	}
	sum, _, err := s.store.WalletBalance(ctx, p.OrgID, w.ID)
	if err != nil {
		return evmwallet.AssetsView{}, err
	}
	return evmwallet.AssetsView{WalletID: w.ID, Network: w.Network, Assets: []evmwallet.AssetView{{Kind: "Native",
		Symbol: nativeSymbol(w.Network), Decimals: 8, Verified: true, Balance: strconv.FormatInt(sum, 10)}}}, nil
}

// FeeLevel is one priority of the wire Bitcoin fee estimate.
type FeeLevel struct {
	FeeRate      string `json:"feeRate"` // satoshis per virtual byte
	BlockHorizon int    `json:"blockHorizon"`
}

// FeesView is the wire GetFeesResponse of kind Bitcoin.
type FeesView struct {
	Kind        string   `json:"kind"`
	Network     string   `json:"network"`
	BlockNumber int64    `json:"blockNumber"`
	Slow        FeeLevel `json:"slow"`
	Standard    FeeLevel `json:"standard"`
	Fast        FeeLevel `json:"fast"`
}

// Fees serves GET /networks/fees?network= for a Bitcoin-family network:
// the fee rate a transfer of each priority pays (docs/protocol/btc-transfers.md §3).
func (s *Service) Fees(ctx context.Context, network string) (FeesView, error) {
	n, err := s.node(network)
	if err != nil {
		return FeesView{}, err
	}
	head, err := n.blockCount(ctx)
	if err != nil {
		return FeesView{}, jsonrpc.NodeError(network, err)
	}
	out := FeesView{Kind: "Bitcoin", Network: network, BlockNumber: head}
	for _, l := range []struct {
		priority string
		into     *FeeLevel
	}{{"Slow", &out.Slow}, {"Standard", &out.Standard}, {"Fast", &out.Fast}} {
		rate, err := n.feeRate(ctx, l.priority)
		if err != nil {
			return FeesView{}, jsonrpc.NodeError(network, err)
		}
		*l.into = FeeLevel{FeeRate: strconv.FormatInt(rate, 10), BlockHorizon: targets[l.priority]}
	}
	return out, nil
}
