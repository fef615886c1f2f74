package evmwallet

import (
	"encoding/json"

	"github.com/custos-dev/custos/internal/wire"
)

// View is the wire TransferRequest or TransactionRequest
// (docs/protocol/keys-wallets.md §5, §6).
type View struct {
	ID                 string          `json:"id"`
	WalletID           string          `json:"walletId"`
	Network            string          `json:"network"`
	Requester          RequesterView   `json:"requester"`
	RequestBody        json.RawMessage `json:"requestBody"`
	Metadata           *MetadataView   `json:"metadata,omitempty"`
	Status             string          `json:"status"`
	Reason             string          `json:"reason,omitempty"`
	TxHash             string          `json:"txHash,omitempty"`
	Fee                string          `json:"fee,omitempty"`
	DateRequested      string          `json:"dateRequested"`
	DatePolicyResolved string          `json:"datePolicyResolved,omitempty"`
	DateBroadcasted    string          `json:"dateBroadcasted,omitempty"`
	DateConfirmed      string          `json:"dateConfirmed,omitempty"`
	ApprovalID         string          `json:"approvalId,omitempty"`
	ExternalID         string          `json:"externalId,omitempty"`
	ReplacementID      string          `json:"replacementId,omitempty"`
}

// RequesterView is the wire requester.
type RequesterView struct {
	UserID  string `json:"userId"`
	TokenID string `json:"tokenId,omitempty"`
}

// MetadataView is a transfer's metadata.
type MetadataView struct {
	Asset AssetMetaView `json:"asset"`
}

// AssetMetaView describes an asset.
type AssetMetaView struct {
	Symbol   string `json:"symbol,omitempty"`
	Decimals *int   `json:"decimals,omitempty"`
	Verified *bool  `json:"verified,omitempty"`
}

// ListView is the wire list of transfers or transactions of a wallet.
type ListView struct {
	WalletID      string `json:"walletId"`
	Items         []View `json:"items"`
	NextPageToken string `json:"nextPageToken,omitempty"`
}

// ViewOf renders r for the wire.
func ViewOf(r *Request) View {
	v := View{ID: r.ID, WalletID: r.WalletID, Network: r.Network,
		Requester:   RequesterView{UserID: r.Requester.UserID, TokenID: r.Requester.TokenID},
		RequestBody: r.Body, Status: r.Status, Reason: r.Reason, TxHash: r.TxHash, Fee: r.Fee,
		DateRequested: wire.Time(r.Requested), ApprovalID: r.ApprovalID, ExternalID: r.ExternalID,
		ReplacementID: r.ReplacementID}
	if r.Status == StatusExecuting || r.Status == StatusPending {
		// The hash is known once signed, but the transaction is not out yet.
		v.TxHash = ""
	}
	if !r.PolicyResolved.IsZero() {
		v.DatePolicyResolved = wire.Time(r.PolicyResolved)
	}
	if !r.Broadcasted.IsZero() {
		v.DateBroadcasted = wire.Time(r.Broadcasted)
	}
	if !r.Confirmed.IsZero() {
		v.DateConfirmed = wire.Time(r.Confirmed)
	}
	if r.Transfer {
		m := &MetadataView{Asset: AssetMetaView{Symbol: r.Symbol}}
		if r.Decimals >= 0 {
			d := r.Decimals
			m.Asset.Decimals = &d
		}
		v.Metadata = m
	}
	return v
}
