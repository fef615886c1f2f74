package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/validate"
	"github.com/custos-dev/custos/internal/wallet"
)

func (s *Server) listWallets(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	p := principal.From(r.Context())
	var items []wallet.View
	var next string
	if owner := r.URL.Query().Get("ownerId"); owner != "" { // docs/protocol/delegated.md
		if err := validate.ID("ownerId", owner); err != nil {
			return err
		}
		items, next, err = s.Wallets.ListOwned(r.Context(), p, owner, pg)
	} else {
		items, next, err = s.Wallets.List(r.Context(), p, pg)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, next))
}

func (s *Server) createWallet(w http.ResponseWriter, r *http.Request) error {
	var in wallet.CreateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Wallets.Create(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getWallet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Wallets.Get(r.Context(), principal.From(r.Context()), r.PathValue("walletId"))
	return reply(w, v, err)
}

func (s *Server) updateWallet(w http.ResponseWriter, r *http.Request) error {
	var in wallet.UpdateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Wallets.Update(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), &in)
	return reply(w, v, err)
}

func (s *Server) tags(add bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in wallet.TagsInput
		if err := readJSON(r, &in); err != nil {
			return err
		}
		v, err := s.Wallets.Tag(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), &in, add)
		return reply(w, v, err)
	}
}

func (s *Server) tagWallet(w http.ResponseWriter, r *http.Request) error { return s.tags(true)(w, r) }

func (s *Server) untagWallet(w http.ResponseWriter, r *http.Request) error {
	return s.tags(false)(w, r)
}

func (s *Server) delegateWallet(w http.ResponseWriter, r *http.Request) error {
	var in wallet.DelegateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Wallets.Delegate(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), &in)
	return reply(w, v, err)
}

// exportWallet serves the TS-only POST /wallets/{walletId}/export: an
// export of the wallet's key.
func (s *Server) exportWallet(w http.ResponseWriter, r *http.Request) error {
	var in keys.ExportInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Wallets.Export(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), &in)
	return reply(w, v, err)
}

func (s *Server) listWalletSignatures(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	v, err := s.Wallets.Signatures(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), pg)
	return reply(w, v, err)
}

func (s *Server) createWalletSignature(w http.ResponseWriter, r *http.Request) error {
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := s.Wallets.Sign(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("walletId"), body)
	return reply(w, v, err)
}

func (s *Server) getWalletSignature(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Wallets.Signature(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), r.PathValue("signatureId"))
	return reply(w, v, err)
}

// activateWallet serves POST /wallets/{walletId}/activate.
func (s *Server) activateWallet(w http.ResponseWriter, r *http.Request) error {
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	return s.Wallets.Activate(r.Context(), principal.From(r.Context()), r.PathValue("walletId"), body)
}
