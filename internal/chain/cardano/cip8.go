package cardano

import (
	"context"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// signCip8 signs a CIP-8 COSE_Sign1 message as CIP-30 wallets' signData
// does: protected header {1 (alg): -8 (EdDSA), "address": the wallet's
// address bytes}, the signature over the Sig_structure ["Signature1",
// protected, external_aad, payload]. signedData is the COSE_Sign1
// [protected, {"hashed": false}, payload, signature].
func signCip8(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	var in struct {
		Payload     *string `json:"payload"`
		ExternalAad *string `json:"externalAad"`
		Context     *string `json:"context"`
	}
	if err := chain.DecodeBody(req.Body, &in); err != nil {
		return nil, err
	}
	if in.Context == nil || *in.Context != "Signature1" {
		return nil, apierr.BadRequest(`context must be "Signature1"`)
	}
	var payload, aad []byte
	var err error
	if in.Payload != nil {
		if payload, err = chain.DecodeHex("payload", *in.Payload); err != nil {
			return nil, err
		}
	}
	if in.ExternalAad != nil {
		if aad, err = chain.DecodeHex("externalAad", *in.ExternalAad); err != nil {
			return nil, err
		}
	}
	if len(payload)+len(aad) > chainkit.MaxPayload {
		return nil, apierr.BadRequest("payload and externalAad are larger than %d bytes", chainkit.MaxPayload)
	}
	protected := []byte{0xa2, 0x01, 0x27} // {1: -8
	protected = append(protected, 0x67)
	protected = append(protected, "address"...)
	protected = appendBytes(protected, addressBytes(network, key.PublicKey)) // "address": bytes}
	sigStructure := []byte{0x84, 0x6a}
	sigStructure = append(sigStructure, "Signature1"...)
	sigStructure = appendBytes(sigStructure, protected)
	sigStructure = appendBytes(sigStructure, aad)
	sigStructure = appendBytes(sigStructure, payload)
	sig, err := chainkit.SignEd25519(ctx, s, sigStructure)
	if err != nil {
		return nil, err
	}
	cose := appendBytes([]byte{0x84}, protected)
	cose = append(cose, 0xa1, 0x66)
	cose = append(cose, "hashed"...)
	cose = append(cose, 0xf4)
	cose = appendBytes(cose, payload)
	cose = appendBytes(cose, sig)
	return chainkit.Result(sig, nil, sig, slices.Clip(cose)), nil
}
