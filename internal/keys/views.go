package keys

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/wire"
)

// View is the wire Key (docs/protocol/keys-wallets.md §2.2; dfns-sdk-go types.Key).
type View struct {
	ID           string `json:"id"`
	Scheme       string `json:"scheme"`
	Curve        string `json:"curve"`
	PublicKey    string `json:"publicKey"`
	Name         string `json:"name,omitempty"`
	Status       string `json:"status"`
	Custodial    bool   `json:"custodial"`
	DateCreated  string `json:"dateCreated"`
	Imported     *bool  `json:"imported,omitempty"`
	Exported     *bool  `json:"exported,omitempty"`
	DateExported string `json:"dateExported,omitempty"`
	DateDeleted  string `json:"dateDeleted,omitempty"`
}

// DetailView is the body of GET /keys/{keyId}: the key and its wallets.
// Custos has no key stores, so store is absent.
type DetailView struct {
	View
	Wallets []WalletRef `json:"wallets"`
}

// stamp renders a time as the API does (wire.Time); zero is "".
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return wire.Time(t)
}

func flag(b bool) *bool {
	if !b {
		return nil
	}
	return &b
}

// ViewOf renders k for the wire. publicKey is lower-case hex without 0x.
func ViewOf(k *Key) View {
	return View{
		ID: k.ID, Scheme: k.Scheme, Curve: k.Curve, PublicKey: hex.EncodeToString(k.PublicKey), Name: k.Name,
		Status: k.Status, Custodial: k.Custodial, DateCreated: stamp(k.Created), Imported: flag(k.Imported),
		Exported: flag(k.Exported), DateExported: stamp(k.DateExported), DateDeleted: stamp(k.DateDeleted),
	}
}

// SignatureView is the wire SignatureRequest (docs/protocol/keys-wallets.md §3;
// dfns-sdk-go types.SignatureRequest). walletId is set on requests made
// through a wallet (TS 0.8.21 wallet variant).
type SignatureView struct {
	ID                 string            `json:"id"`
	KeyID              string            `json:"keyId"`
	WalletID           string            `json:"walletId,omitempty"`
	Network            string            `json:"network,omitempty"`
	Requester          Requester         `json:"requester"`
	RequestBody        json.RawMessage   `json:"requestBody"`
	Status             string            `json:"status"`
	Reason             string            `json:"reason,omitempty"`
	Signature          *chain.Signature  `json:"signature,omitempty"`
	Signatures         []chain.Signature `json:"signatures,omitempty"`
	SignedData         string            `json:"signedData,omitempty"`
	ApprovalID         string            `json:"approvalId,omitempty"`
	ExternalID         string            `json:"externalId,omitempty"`
	DateRequested      string            `json:"dateRequested"`
	DatePolicyResolved string            `json:"datePolicyResolved,omitempty"`
	DateSigned         string            `json:"dateSigned,omitempty"`
}

// SignatureViewOf renders r for the wire.
func SignatureViewOf(r *SignatureRequest) SignatureView {
	v := SignatureView{
		ID: r.ID, KeyID: r.KeyID, WalletID: r.WalletID, Network: r.Network, Requester: r.Requester,
		RequestBody: r.Body, Status: r.Status, Reason: r.Reason, ApprovalID: r.ApprovalID, ExternalID: r.ExternalID,
		DateRequested: stamp(r.Requested), DatePolicyResolved: stamp(r.PolicyResolved), DateSigned: stamp(r.Signed),
	}
	if len(v.RequestBody) == 0 {
		v.RequestBody = json.RawMessage("{}")
	}
	if res := r.Result; res != nil {
		v.Signature, v.Signatures, v.SignedData = res.Signature, res.Signatures, res.SignedData
	}
	return v
}

// SignatureList is the body of GET /keys/{keyId}/signatures.
type SignatureList struct {
	Items         []SignatureView `json:"items"`
	NextPageToken string          `json:"nextPageToken,omitempty"`
	KeyID         string          `json:"keyId,omitempty"`
	WalletID      string          `json:"walletId,omitempty"`
}
