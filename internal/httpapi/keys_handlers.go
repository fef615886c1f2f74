package httpapi

import (
	"io"
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
)

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.Keys.List(r.Context(), principal.From(r.Context()), pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, next))
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	var in keys.CreateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Keys.Create(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) importKey(w http.ResponseWriter, r *http.Request) error {
	var in keys.ImportInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Keys.Import(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getKey(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Keys.Get(r.Context(), principal.From(r.Context()), r.PathValue("keyId"))
	return reply(w, v, err)
}

func (s *Server) updateKey(w http.ResponseWriter, r *http.Request) error {
	var in keys.UpdateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Keys.Update(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("keyId"), &in)
	return reply(w, v, err)
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Keys.Delete(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("keyId"))
	return reply(w, v, err)
}

func (s *Server) delegateKey(w http.ResponseWriter, r *http.Request) error {
	var in keys.DelegateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Keys.Delegate(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("keyId"), in.DelegateTo)
	return reply(w, v, err)
}

func (s *Server) deriveKey(w http.ResponseWriter, r *http.Request) error {
	var in keys.DeriveInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Keys.Derive(r.Context(), principal.From(r.Context()), r.PathValue("keyId"), &in)
	return reply(w, v, err)
}

func (s *Server) exportKey(w http.ResponseWriter, r *http.Request) error {
	var in keys.ExportInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Keys.Export(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("keyId"), &in)
	return reply(w, v, err)
}

func (s *Server) listKeySignatures(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	p := principal.From(r.Context())
	k, err := s.Keys.Load(r.Context(), p, r.PathValue("keyId"))
	if err != nil {
		return err
	}
	l, err := s.Keys.ListSignatures(r.Context(), p, keys.SignatureFilter{KeyID: k.ID}, pg)
	l.KeyID = k.ID
	return reply(w, l, err)
}

// rawBody returns the request body (already bounded and kept by the route).
func rawBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, apierr.BadRequest("could not read request body")
	}
	return b, nil
}

func (s *Server) createKeySignature(w http.ResponseWriter, r *http.Request) error {
	body, err := rawBody(r)
	if err != nil {
		return err
	}
	v, err := s.Keys.Sign(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("keyId"), body)
	return reply(w, v, err)
}

func (s *Server) getKeySignature(w http.ResponseWriter, r *http.Request) error {
	p := principal.From(r.Context())
	k, err := s.Keys.Load(r.Context(), p, r.PathValue("keyId"))
	if err != nil {
		return err
	}
	v, err := s.Keys.GetSignature(r.Context(), p, k.ID, "", r.PathValue("signatureId"))
	return reply(w, v, err)
}

func (s *Server) listSigners(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Keys.Signers(r.Context(), principal.From(r.Context()))
	return reply(w, v, err)
}
