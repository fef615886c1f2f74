package httpapi

import (
	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/strictjson"
)

// checkBody returns a 400 when a request body is not strict JSON: a
// duplicate key, invalid UTF-8 or data after the value would let the
// handler read something other than what a user action signed (see
// strictjson). An empty or whitespace-only body is allowed.
func checkBody(b []byte) error {
	if err := strictjson.Check(b); err != nil {
		return apierr.BadRequest("request body is not strict JSON: %v", err)
	}
	return nil
}
