package evmwallet

import (
	"errors"
	"net/http"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
)

// The history filter every family checks: a direction other than In or
// Out is a 400, a kind the family does not record is the family's error.
func TestCheckFilter(t *testing.T) {
	errKind := errors.New("bad kind")
	bad := func() error { return errKind }
	kinds := []string{"NativeTransfer", "UtxoTransfer"}
	for _, f := range []HistoryFilter{{}, {Direction: "In"}, {Direction: "Out", Kind: "UtxoTransfer"}} {
		if err := f.CheckFilter(kinds, bad); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
	var ae *apierr.Error
	if err := (HistoryFilter{Direction: "Sideways"}).CheckFilter(kinds, bad); !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Errorf("direction Sideways: %v", err)
	}
	if err := (HistoryFilter{Kind: "Erc20Transfer"}).CheckFilter(kinds, bad); err != errKind {
		t.Errorf("kind Erc20Transfer: %v", err)
	}
}
