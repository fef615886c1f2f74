package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/principal"
)

// Solana wallets' transfers, transactions, assets, history and fees
// (docs/protocol/sol-transfers.md); byChain sends their wallet routes
// here.

func (s *Server) solTransfer(w http.ResponseWriter, r *http.Request) error {
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := s.SOL.Transfer(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), body)
	return reply(w, v, err)
}

func (s *Server) solTransaction(w http.ResponseWriter, r *http.Request) error {
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := s.SOL.Transaction(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), body)
	return reply(w, v, err)
}

func (s *Server) solAssets(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SOL.Assets(r.Context(), principal.From(r.Context()), r.PathValue("walletId"))
	return reply(w, v, err)
}

func (s *Server) solHistory(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := evmwallet.HistoryFilter{Kind: q.Get("kind"), Direction: q.Get("direction"), Contract: q.Get("contract")}
	v, err := s.SOL.History(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), f, pg)
	return reply(w, v, err)
}

func (s *Server) solNfts(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SOL.Nfts(r.Context(), principal.From(r.Context()), r.PathValue("walletId"))
	return reply(w, v, err)
}

func (s *Server) solFees(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SOL.Fees(r.Context(), r.URL.Query().Get("network"))
	return reply(w, v, err)
}

// solReplace answers POST …/speed-up and …/cancel for Solana wallets: a
// 400, as Solana has no replacement of a sent transaction
// (docs/protocol/sol-transfers.md §4); it never reaches the EVM code.
func (s *Server) solReplace(transfer, cancel bool, param string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.SOL.Replace(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), r.PathValue(param), transfer, cancel)
	}
}
