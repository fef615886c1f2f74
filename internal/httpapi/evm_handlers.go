package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/principal"
)

// evmRoutes registers transfers, sign-and-broadcast transactions, assets,
// history and fees (docs/protocol/evm-transfers.md).
func (s *Server) evmRoutes() {
	s.handle("POST /wallets/{walletId}/transfers", s.byChain(s.createTransfer, s.btcTransfer, s.solTransfer), signed, needs("Wallets:Transfers:Create"))
	s.handle("GET /wallets/{walletId}/transfers", s.listTransfers(true), needs("Wallets:Transfers:Read"))
	s.handle("GET /wallets/{walletId}/transfers/{transferId}", s.getTransfer(true, "transferId"), needs("Wallets:Transfers:Read"))
	s.handle("POST /wallets/{walletId}/transactions", s.byChain(s.createTransaction, s.btcTransaction, s.solTransaction), signed, needs("Wallets:Transactions:Create"))
	s.handle("GET /wallets/{walletId}/transactions", s.listTransfers(false), needs("Wallets:Transactions:Read"))
	s.handle("GET /wallets/{walletId}/transactions/{transactionId}", s.getTransfer(false, "transactionId"), needs("Wallets:Transactions:Read"))
	s.handle("PUT /wallets/{walletId}/transfers/{transferId}/abort", s.abortRequest(true, "transferId"), signed, needs("Wallets:Transfers:Abort"))
	s.handle("PUT /wallets/{walletId}/transactions/{transactionId}/abort", s.abortRequest(false, "transactionId"), signed,
		needs("Wallets:Transactions:Abort"))
	// Speed-up and cancel issue a transaction (Wallets:Transactions:Create, as Dfns documents it).
	for _, op := range []struct {
		name   string
		cancel bool
	}{{"speed-up", false}, {"cancel", true}} {
		// Bitcoin-family transfers are sped up by replace-by-fee; Solana
		// wallets have neither (a 400).
		var btcTransfers handlerFunc
		if !op.cancel {
			btcTransfers = s.btcSpeedUp
		}
		transfers := s.byChain(s.replaceRequest(true, op.cancel, "transferId"), btcTransfers, s.solReplace(true, op.cancel, "transferId"))
		transactions := s.byChain(s.replaceRequest(false, op.cancel, "transactionId"), nil, s.solReplace(false, op.cancel, "transactionId"))
		s.handle("POST /wallets/{walletId}/transfers/{transferId}/"+op.name, transfers, signed, needs("Wallets:Transactions:Create"))
		s.handle("POST /wallets/{walletId}/transactions/{transactionId}/"+op.name, transactions, signed, needs("Wallets:Transactions:Create"))
	}
	s.handle("GET /wallets/{walletId}/assets", s.byChain(s.walletAssets, s.btcAssets, s.solAssets), needs("Wallets:Read"))
	s.handle("GET /wallets/{walletId}/history", s.byChain(s.walletHistory, s.btcHistory, s.solHistory), needs("Wallets:Read"))
	s.handle("GET /wallets/{walletId}/nfts", s.byChain(s.walletNfts, nil, s.solNfts), needs("Wallets:Read"))
	s.handle("GET /networks/fees", s.feesByChain)
	s.handle("POST /networks/{network}/call-function", s.callFunction)
}

// evm returns the EVM service, or a 501 when the server runs without one.
func (s *Server) evm() (*evmwallet.Service, error) {
	if s.EVM == nil {
		return nil, apierr.NotImplemented("transfers are not available on this server")
	}
	return s.EVM, nil
}

func (s *Server) createTransfer(w http.ResponseWriter, r *http.Request) error {
	e, err := s.evm()
	if err != nil {
		return err
	}
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := e.Transfer(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), body)
	return reply(w, v, err)
}

func (s *Server) createTransaction(w http.ResponseWriter, r *http.Request) error {
	e, err := s.evm()
	if err != nil {
		return err
	}
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := e.Transaction(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), body)
	return reply(w, v, err)
}

func (s *Server) listTransfers(transfer bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := s.evm()
		if err != nil {
			return err
		}
		pg, err := page(r)
		if err != nil {
			return err
		}
		v, err := e.List(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), transfer, pg)
		return reply(w, v, err)
	}
}

func (s *Server) getTransfer(transfer bool, param string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := s.evm()
		if err != nil {
			return err
		}
		v, err := e.Get(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), r.PathValue(param), transfer)
		return reply(w, v, err)
	}
}

func (s *Server) walletAssets(w http.ResponseWriter, r *http.Request) error {
	e, err := s.evm()
	if err != nil {
		return err
	}
	v, err := e.Assets(r.Context(), principal.From(r.Context()), r.PathValue("walletId"))
	return reply(w, v, err)
}

func (s *Server) walletHistory(w http.ResponseWriter, r *http.Request) error {
	e, err := s.evm()
	if err != nil {
		return err
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := evmwallet.HistoryFilter{Kind: q.Get("kind"), Direction: q.Get("direction"), Contract: q.Get("contract")}
	v, err := e.History(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), f, pg)
	return reply(w, v, err)
}

func (s *Server) networkFees(w http.ResponseWriter, r *http.Request) error {
	e, err := s.evm()
	if err != nil {
		return err
	}
	v, err := e.Fees(r.Context(), r.URL.Query().Get("network"))
	return reply(w, v, err)
}

func (s *Server) walletNfts(w http.ResponseWriter, r *http.Request) error {
	e, err := s.evm()
	if err != nil {
		return err
	}
	v, err := e.Nfts(r.Context(), principal.From(r.Context()), r.PathValue("walletId"))
	return reply(w, v, err)
}
