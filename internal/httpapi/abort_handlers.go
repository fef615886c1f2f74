package httpapi

import (
	"context"
	"net/http"

	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/principal"
)

// abortRequest serves PUT /wallets/{walletId}/transfers/{transferId}/abort
// (transfer) and …/transactions/{transactionId}/abort for every chain
// family (docs/protocol/evm-transfers.md §4b); a Bitcoin-family request's
// outputs are freed in the abort's unit of work.
func (s *Server) abortRequest(transfer bool, param string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := s.evm()
		if err != nil {
			return err
		}
		release := func(ctx context.Context, req *evmwallet.Request) error {
			if s.BTC != nil && btcwallet.IsNetwork(req.Network) {
				return s.BTC.ReleaseAborted(ctx, req)
			}
			return nil
		}
		v, err := e.Abort(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), r.PathValue(param), transfer, release)
		return reply(w, v, err)
	}
}

// replaceRequest serves POST …/transfers/{transferId}/speed-up and
// …/cancel (transfer) and the same under …/transactions/{transactionId}
// (docs/protocol/evm-transfers.md §4c): a replacement TransactionRequest.
func (s *Server) replaceRequest(transfer, cancel bool, param string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := s.evm()
		if err != nil {
			return err
		}
		v, err := e.Replace(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), r.PathValue(param), transfer, cancel)
		return reply(w, v, err)
	}
}

// btcSpeedUp serves POST …/transfers/{transferId}/speed-up for
// Bitcoin-family wallets: replace-by-fee (docs/protocol/btc-transfers.md
// §4a).
func (s *Server) btcSpeedUp(w http.ResponseWriter, r *http.Request) error {
	v, err := s.BTC.SpeedUp(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), r.PathValue("transferId"), true)
	return reply(w, v, err)
}
