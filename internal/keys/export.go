package keys

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// ProtocolCurve is a key type of key import and export.
type ProtocolCurve struct {
	Protocol string `json:"protocol"`
	Curve    string `json:"curve"`
}

// ExportInput is the body of POST /keys/{keyId}/export (dfns/trusted-dealer
// KeyExportRequest).
type ExportInput struct {
	EncryptionKey    string          `json:"encryptionKey"`
	SupportedSchemes []ProtocolCurve `json:"supportedSchemes"`
}

// EncryptedShare is one signer's encrypted key share, base64.
type EncryptedShare struct {
	SignerID          string `json:"signerId"`
	EncryptedKeyShare string `json:"encryptedKeyShare"`
}

// ExportOutput is the response of export. The shares are listed as
// encryptedKeyShares (the SDKs' name) and again as encryptedShares (the
// name dfns/trusted-dealer's KeyExportResponse reads).
type ExportOutput struct {
	PublicKey          string           `json:"publicKey"`
	Protocol           string           `json:"protocol"`
	Curve              string           `json:"curve"`
	MinSigners         int              `json:"minSigners"`
	EncryptedKeyShares []EncryptedShare `json:"encryptedKeyShares"`
	EncryptedShares    []EncryptedShare `json:"encryptedShares"`
}

// Export share layout: a 2-of-3 split, the smallest the Dfns export client
// accepts (it requires 2 ≤ minSigners ≤ number of shares).
const (
	exportThreshold = 2
	exportShares    = 3
)

// exportProtocol picks the protocol to answer for k among the ones the
// client supports.
func exportProtocol(k *Key, supported []ProtocolCurve) (string, bool) {
	var candidates []string
	switch k.Scheme {
	case chain.SchemeECDSA:
		candidates = []string{protoCGGMP21, protoCGGMP24}
	case chain.SchemeSchnorr:
		candidates = []string{protoFROSTBitcoin}
	case chain.SchemeEdDSA:
		candidates = []string{protoFROST}
	}
	for _, c := range candidates {
		if slices.Contains(supported, ProtocolCurve{Protocol: c, Curve: k.Curve}) {
			return c, true
		}
	}
	return "", false
}

// Export serves POST /keys/{keyId}/export: only keys created with
// exportable:true are exported. The secret scalar is split 2-of-3 and each
// share encrypted to the caller's encryptionKey; the key is then marked
// exported (with the consumption of act, when not nil). It can still sign.
func (s *Service) Export(ctx context.Context, p *principal.Principal, act Action, keyID string, in *ExportInput) (ExportOutput, error) {
	return s.ExportWith(ctx, p, act, keyID, in)
}

// ExportWith is Export recording extra events with the change (besides
// key.exported).
func (s *Service) ExportWith(ctx context.Context, p *principal.Principal, act Action, keyID string, in *ExportInput, extra ...Event) (ExportOutput, error) {
	if err := in.check(); err != nil {
		return ExportOutput{}, err
	}
	k, err := s.Load(ctx, p, keyID)
	if err != nil {
		return ExportOutput{}, err
	}
	if err := CheckSigner(p, k.DelegatedTo); err != nil {
		return ExportOutput{}, err
	}
	if !k.Exportable {
		return ExportOutput{}, apierr.BadRequest("key %s was not created exportable", k.ID)
	}
	if k.Status != StatusActive {
		return ExportOutput{}, apierr.BadRequest("key %s is archived", k.ID)
	}
	encKey, err := parseEncryptionKey(in.EncryptionKey)
	if err != nil {
		return ExportOutput{}, apierr.BadRequest("%s", err.Error())
	}
	if k.Curve == chain.CurveStark {
		return ExportOutput{}, apierr.BadRequest("exporting keys on the stark curve is not supported")
	}
	protocol, ok := exportProtocol(k, in.SupportedSchemes)
	if !ok {
		return ExportOutput{}, apierr.BadRequest("supportedSchemes does not list a protocol for %s keys on %s", k.Scheme, k.Curve)
	}
	shares, err := s.exportShares(ctx, k)
	if err != nil {
		return ExportOutput{}, err
	}
	out := ExportOutput{PublicKey: hex.EncodeToString(k.PublicKey), Protocol: protocol, Curve: k.Curve,
		MinSigners: exportThreshold}
	for i, y := range shares {
		pt, err := json.Marshal(exportShare{Version: 1, Index: scalarOf(k.Curve, big.NewInt(int64(i+1))),
			SecretShare: scalarOf(k.Curve, y)})
		y.SetInt64(0)
		if err != nil {
			return ExportOutput{}, err
		}
		ct, err := eciesEncrypt(encKey, pt, nil)
		clear(pt)
		if err != nil {
			return ExportOutput{}, err
		}
		out.EncryptedKeyShares = append(out.EncryptedKeyShares, EncryptedShare{
			SignerID:          base64.StdEncoding.EncodeToString([]byte("custos-" + string(rune('1'+i)))),
			EncryptedKeyShare: base64.StdEncoding.EncodeToString(ct),
		})
	}
	out.EncryptedShares = out.EncryptedKeyShares
	k.Exported, k.DateExported = true, s.now()
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.store.UpdateKey(ctx, k); err != nil {
			return err
		}
		return s.emit(ctx, k.OrgID, append([]Event{keyEvent("key.exported", k)}, extra...)...)
	}); err != nil {
		return ExportOutput{}, err
	}
	return out, nil
}

// exportShares opens k's secret and splits its scalar.
func (s *Service) exportShares(ctx context.Context, k *Key) ([]*big.Int, error) {
	ck, aad := k.custodyKey()
	raw, err := s.backend.Export(ctx, ck, k.Material, aad)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	var secret *big.Int
	if k.Curve == chain.CurveEd25519 {
		secret = ed25519Scalar(raw)
	} else {
		secret = new(big.Int).SetBytes(raw)
	}
	defer secret.SetInt64(0)
	return splitSecret(secret, exportThreshold, exportShares, orderOf(k.Curve))
}
