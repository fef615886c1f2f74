package auth

import (
	"context"
	"encoding/json"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
)

// nonceWindow is how far a legacy nonce's date may be from now.
const nonceWindow = 5 * time.Minute

// CheckNonce validates a legacy X-DFNS-NONCE header
// (docs/protocol/README.md, Decision 7): base64url
// of {"uuid","date"}, a recent date, and never seen before.
func (s *Service) CheckNonce(ctx context.Context, header string, now time.Time) error {
	invalid := apierr.BadRequest("request nonce is missing or invalid")
	raw, err := credential.DecodeB64URL(header)
	if err != nil || len(raw) > 1024 {
		return invalid
	}
	var n struct {
		UUID string `json:"uuid"`
		Date string `json:"date"`
	}
	if err := json.Unmarshal(raw, &n); err != nil || len(n.UUID) < 13 || len(n.UUID) > 128 {
		return invalid
	}
	d, err := time.Parse(time.RFC3339Nano, n.Date)
	if err != nil || d.Before(now.Add(-nonceWindow)) || d.After(now.Add(nonceWindow)) {
		return invalid
	}
	fresh, err := s.store.UseNonce(ctx, n.UUID, d.Add(nonceWindow))
	if err != nil {
		return err
	}
	if !fresh {
		return apierr.BadRequest("request nonce has already been used")
	}
	return nil
}
