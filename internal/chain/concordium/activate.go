package concordium

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcutil/base58"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

var _ chain.Activator = Adapter{}

// maxCdi bounds unsignedCdiStr: a credential with its proofs is a few KiB.
const maxCdi = 64 << 10

// activateBody is the Concordium shape of POST /wallets/{walletId}/activate
// (Dfns ActivateWalletBody): the unsigned credential deployment the
// Concordium ID app returns, as the JSON string it hands over.
type activateBody struct {
	Expiry         *int64  `json:"expiry"`
	UnsignedCdiStr *string `json:"unsignedCdiStr"`
}

// unsignedCdi holds the parts of UnsignedCredentialDeploymentInformation
// Custos checks.
type unsignedCdi struct {
	CredID               string `json:"credId"`
	CredentialPublicKeys struct {
		Keys map[string]struct {
			SchemeID  string `json:"schemeId"`
			VerifyKey string `json:"verifyKey"`
		} `json:"keys"`
	} `json:"credentialPublicKeys"`
}

// AccountAddress returns the address of the account a credential with
// registration id credID creates: base58check with version byte 1 of
// SHA-256 over the 48-byte id.
func AccountAddress(credID []byte) string {
	sum := sha256.Sum256(credID)
	return base58.CheckEncode(sum[:], 1)
}

// Activation checks a {expiry, unsignedCdiStr} body against the wallet's
// key and answers why Custos cannot deploy the credential: signing it is
// useless without submitting it, and Custos has no Concordium node client.
func (a Adapter) Activation(network string, key chain.Key, body json.RawMessage) error {
	if err := a.KeyFits(network, key); err != nil {
		return err
	}
	var in activateBody
	if err := chain.DecodeBody(body, &in); err != nil {
		return err
	}
	if in.Expiry == nil || in.UnsignedCdiStr == nil {
		return apierr.BadRequest("expiry and unsignedCdiStr are required to activate a %s wallet", network)
	}
	if time.Unix(*in.Expiry, 0).Before(time.Now()) {
		return apierr.BadRequest("expiry %d has passed", *in.Expiry)
	}
	if len(*in.UnsignedCdiStr) > maxCdi {
		return apierr.BadRequest("unsignedCdiStr is larger than %d bytes", maxCdi)
	}
	var cdi unsignedCdi
	if err := json.Unmarshal([]byte(*in.UnsignedCdiStr), &cdi); err != nil {
		return apierr.BadRequest("unsignedCdiStr is not an unsigned credential deployment (JSON)")
	}
	credID, err := hex.DecodeString(cdi.CredID)
	if err != nil || len(credID) != 48 {
		return apierr.BadRequest("unsignedCdiStr.credId must be 48 bytes of hex")
	}
	ours := false
	for _, k := range cdi.CredentialPublicKeys.Keys {
		pub, err := hex.DecodeString(k.VerifyKey)
		if err == nil && strings.EqualFold(k.SchemeID, "Ed25519") && bytes.Equal(pub, key.PublicKey) {
			ours = true
		}
	}
	if !ours {
		return apierr.BadRequest("unsignedCdiStr.credentialPublicKeys does not hold this wallet's key")
	}
	return apierr.BadRequest("activating a %s wallet signs this credential deployment and submits it to a Concordium node, which then creates the account %s; Custos has no Concordium node client (--rpc serves EVM and Bitcoin networks only), so %s wallets stay Inactive (docs/protocol/networks-hedera-concordium.md)",
		network, AccountAddress(credID), network)
}
