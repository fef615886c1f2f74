package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/evmwallet"
)

// callFunction serves POST /networks/{network}/call-function, a read-only
// contract call on an EVM network (docs/protocol/evm-call-function.md). It
// needs no permission and no user action: it reads public chain state.
func (s *Server) callFunction(w http.ResponseWriter, r *http.Request) error {
	e, err := s.evm()
	if err != nil {
		return err
	}
	var in evmwallet.CallFunctionBody
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := e.CallFunction(r.Context(), r.PathValue("network"), &in)
	return reply(w, v, err)
}
