package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/solwallet"
)

// byChain serves a wallet route with btc when the wallet is on a
// Bitcoin-family network and the server moves funds there, with sol when
// it is on a Solana network (docs/protocol/sol-transfers.md), else with
// other (docs/protocol/btc-transfers.md); a nil btc or sol leaves that
// family to other. Transfers and transactions of
// every chain family are read (GET) by the EVM handlers, which only read
// the stored requests.
func (s *Server) byChain(other, btc, sol handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.BTC != nil || s.SOL != nil {
			wl, err := s.Wallets.Load(r.Context(), principal.From(r.Context()), r.PathValue("walletId"))
			switch {
			case err == nil && s.BTC != nil && btc != nil && btcwallet.IsNetwork(wl.Network):
				return btc(w, r)
			case err == nil && s.SOL != nil && sol != nil && solwallet.IsNetwork(wl.Network):
				return sol(w, r)
			}
		}
		return other(w, r)
	}
}

func (s *Server) btcTransfer(w http.ResponseWriter, r *http.Request) error {
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := s.BTC.Transfer(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), body)
	return reply(w, v, err)
}

func (s *Server) btcTransaction(w http.ResponseWriter, r *http.Request) error {
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := s.BTC.Transaction(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), body)
	return reply(w, v, err)
}

func (s *Server) btcAssets(w http.ResponseWriter, r *http.Request) error {
	v, err := s.BTC.Assets(r.Context(), principal.From(r.Context()), r.PathValue("walletId"))
	return reply(w, v, err)
}

func (s *Server) btcHistory(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := evmwallet.HistoryFilter{Kind: q.Get("kind"), Direction: q.Get("direction"), Contract: q.Get("contract")}
	v, err := s.BTC.History(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), f, pg)
	return reply(w, v, err)
}

// feesByChain serves GET /networks/fees: Bitcoin-family networks by the
// Bitcoin service, the others by EVM's.
func (s *Server) feesByChain(w http.ResponseWriter, r *http.Request) error {
	network := r.URL.Query().Get("network")
	if s.SOL != nil && solwallet.IsNetwork(network) {
		return s.solFees(w, r)
	}
	if s.BTC == nil || !btcwallet.IsNetwork(network) {
		return s.networkFees(w, r)
	}
	v, err := s.BTC.Fees(r.Context(), network)
	return reply(w, v, err)
}
