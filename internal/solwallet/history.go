package solwallet

import (
	"context"
	"errors"
	"strconv"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/wire"
)

// EventView is the wire BlockchainEvent of kinds NativeTransfer,
// SplTransfer and Spl2022Transfer (docs/protocol/keys-wallets.md §7).
type EventView struct {
	WalletID    string                  `json:"walletId"`
	Direction   string                  `json:"direction"`
	Network     string                  `json:"network"`
	BlockNumber int64                   `json:"blockNumber"`
	TxHash      string                  `json:"txHash"`
	Timestamp   string                  `json:"timestamp"`
	Metadata    evmwallet.EventMetaView `json:"metadata"`
	Kind        string                  `json:"kind"`
	Mint        string                  `json:"mint,omitempty"`
	From        string                  `json:"from,omitempty"`
	To          string                  `json:"to,omitempty"`
	Value       string                  `json:"value"`
	Fee         string                  `json:"fee,omitempty"`
	Symbol      string                  `json:"symbol,omitempty"`
	Decimals    *int                    `json:"decimals,omitempty"`
	Verified    *bool                   `json:"verified,omitempty"`
}

// HistoryView is the wire GetWalletHistoryResponse.
type HistoryView struct {
	WalletID      string      `json:"walletId"`
	Network       string      `json:"network"`
	Items         []EventView `json:"items"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

func eventView(e *evmwallet.Event) EventView {
	dec := e.Decimals
	v := EventView{WalletID: e.WalletID, Direction: e.Direction, Network: e.Network, BlockNumber: e.Block, TxHash: e.TxHash,
		Timestamp: wire.Time(e.Time), Kind: e.Kind, Mint: e.Contract, From: e.From, To: e.To, Value: e.Value, Fee: e.Fee,
		Metadata: evmwallet.EventMetaView{Asset: evmwallet.AssetMetaView{Symbol: e.Symbol, Decimals: &dec}}}
	if e.Kind == "NativeTransfer" {
		t := true
		v.Symbol, v.Decimals, v.Verified, v.Metadata.Asset.Verified = e.Symbol, &dec, &t, &t
	}
	if e.Fee != "" {
		d := 9
		v.Metadata.Fee = &evmwallet.AssetMetaView{Symbol: nativeSymbol(e.Network), Decimals: &d}
	}
	return v
}

// History serves GET /wallets/{walletId}/history of a Solana wallet: the
// events the follower recorded, newest first.
func (s *Service) History(ctx context.Context, p *principal.Principal, walletID string, f evmwallet.HistoryFilter, pg identity.Page) (HistoryView, error) {
	w, err := s.solWallet(ctx, p, walletID)
	if err != nil {
		return HistoryView{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return HistoryView{}, err
	}
	if err := f.CheckFilter([]string{"NativeTransfer", "SplTransfer", "Spl2022Transfer"}, func() error {
		return apierr.BadRequest("kind %q has no events on %s (NativeTransfer, SplTransfer, Spl2022Transfer)", clip(f.Kind), w.Network)
	}); err != nil {
		return HistoryView{}, err
	}
	if f.Contract != "" {
		if _, err := parseAddress("contract", &f.Contract); err != nil {
			return HistoryView{}, err
		}
	}
	items, next, err := evmwallet.Events(ctx, s.store, p.OrgID, w.ID, f, pg, eventView)
	if err != nil {
		return HistoryView{}, err
	}
	return HistoryView{WalletID: w.ID, Network: w.Network, Items: items, NextPageToken: next}, nil
}

// AssetView is one wire Asset of a Solana wallet.
type AssetView struct {
	Kind     string `json:"kind"`
	Mint     string `json:"mint,omitempty"`
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

// Assets serves GET /wallets/{walletId}/assets of a Solana wallet: its
// lamports and what it holds of every mint seen in its history, read
// from the node (decimals from the mint account).
func (s *Service) Assets(ctx context.Context, p *principal.Principal, walletID string) (AssetsView, error) {
	w, err := s.solWallet(ctx, p, walletID)
	if err != nil {
		return AssetsView{}, err
	}
	n, err := s.node(w.Network)
	if err != nil {
		return AssetsView{}, err
	}
	bal, err := n.balance(ctx, w.Address)
	if err != nil {
		return AssetsView{}, jsonrpc.NodeError(n.Network, err)
	}
	out := AssetsView{WalletID: w.ID, Network: w.Network, Assets: []AssetView{{Kind: "Native", Symbol: nativeSymbol(w.Network),
		Decimals: 9, Verified: true, Balance: strconv.FormatUint(bal, 10)}}}
	mints, err := s.store.TokenMints(ctx, p.OrgID, w.ID)
	if err != nil {
		return AssetsView{}, err
	}
	owner := sol.PublicKeyFromBytes(w.Key.PublicKey)
	for _, m := range mints {
		mint, err := sol.PublicKeyFromBase58(m)
		if err != nil {
			continue
		}
		acct, err := n.accountInfo(ctx, m)
		if errors.Is(err, errNoAccount) {
			continue // closed since
		}
		if err != nil {
			return AssetsView{}, jsonrpc.NodeError(n.Network, err)
		}
		mi, err := parseMint(acct.Owner, acct.Data)
		if err != nil {
			continue
		}
		held, err := n.tokenBalance(ctx, owner, mint)
		if err != nil {
			return AssetsView{}, jsonrpc.NodeError(n.Network, err)
		}
		kind := "Spl"
		if mi.Program.Equals(sol.Token2022ProgramID) {
			kind = "Spl2022"
		}
		out.Assets = append(out.Assets, AssetView{Kind: kind, Mint: m, Symbol: knownSymbol(w.Network, mint), Decimals: mi.Decimals,
			Balance: strconv.FormatUint(held, 10)})
	}
	return out, nil
}

// FeeLevel is one priority of the wire Solana fee estimate.
type FeeLevel struct {
	ComputeUnitPrice string `json:"computeUnitPrice"` // micro-lamports per compute unit
}

// FeesView is the wire GetFeesResponse of kind Solana.
type FeesView struct {
	Kind        string   `json:"kind"`
	Network     string   `json:"network"`
	BlockNumber int64    `json:"blockNumber"`
	Slow        FeeLevel `json:"slow"`
	Standard    FeeLevel `json:"standard"`
	Fast        FeeLevel `json:"fast"`
}

// Fees serves GET /networks/fees?network= for a Solana network: the
// compute-unit price a transfer of each priority pays
// (docs/protocol/sol-transfers.md §3).
func (s *Service) Fees(ctx context.Context, network string) (FeesView, error) {
	n, err := s.node(network)
	if err != nil {
		return FeesView{}, err
	}
	slot, err := n.slot(ctx, "confirmed")
	if err != nil {
		return FeesView{}, jsonrpc.NodeError(network, err)
	}
	fees, err := n.priorityFees(ctx)
	if err != nil {
		return FeesView{}, jsonrpc.NodeError(network, err)
	}
	level := func(p string) FeeLevel {
		return FeeLevel{ComputeUnitPrice: strconv.FormatUint(percentile(fees, percentiles[p]), 10)}
	}
	return FeesView{Kind: "Solana", Network: network, BlockNumber: slot, Slow: level("Slow"), Standard: level("Standard"),
		Fast: level("Fast")}, nil
}

// NftsView is the wire GetWalletNftsResponse.
type NftsView struct {
	WalletID string `json:"walletId"`
	Network  string `json:"network"`
	Nfts     []any  `json:"nfts"`
}

// Nfts serves GET /wallets/{walletId}/nfts of a Solana wallet: none (the
// wire Nft kinds hold no Solana kind, and Custos tracks no Solana NFT
// collections).
func (s *Service) Nfts(ctx context.Context, p *principal.Principal, walletID string) (NftsView, error) {
	w, err := s.solWallet(ctx, p, walletID)
	if err != nil {
		return NftsView{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return NftsView{}, err
	}
	return NftsView{WalletID: w.ID, Network: w.Network, Nfts: []any{}}, nil
}
