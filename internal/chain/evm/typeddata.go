package evm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// domainType is the reserved EIP-712 name of the domain struct.
const domainType = "EIP712Domain"

// typedDataBody is the body of an Eip712 request. Dfns sends no
// primaryType; one is accepted when present.
type typedDataBody struct {
	Types       map[string][]apitypes.Type `json:"types"`
	PrimaryType *string                    `json:"primaryType"`
	Domain      *typedDomain               `json:"domain"`
	Message     json.RawMessage            `json:"message"`
}

// typedDomain is the Eip712Domain object; every field is optional and
// chainId may be a number or a decimal or 0x-hex string.
type typedDomain struct {
	Name              *string               `json:"name"`
	Version           *string               `json:"version"`
	ChainID           *math.HexOrDecimal256 `json:"chainId"`
	VerifyingContract *string               `json:"verifyingContract"`
	Salt              *string               `json:"salt"`
}

// signTypedData signs the EIP-712 digest keccak256(0x19 0x01 ||
// domainSeparator || hashStruct(message)).
func signTypedData(ctx context.Context, k keySigner, body json.RawMessage) (*chain.Result, error) {
	var in typedDataBody
	if err := decodeBody(body, kindEip712, &in); err != nil {
		return nil, err
	}
	digest, err := typedDataDigest(in)
	if err != nil {
		return nil, err
	}
	sig, err := k.sign(ctx, digest)
	if err != nil {
		return nil, err
	}
	return result(sig), nil
}

// typedDataDigest validates in and computes its EIP-712 digest with
// go-ethereum's apitypes encoder.
func typedDataDigest(in typedDataBody) (digest []byte, err error) {
	if len(in.Types) == 0 {
		return nil, apierr.BadRequest("types is required")
	}
	if in.Domain == nil {
		return nil, apierr.BadRequest("domain is required")
	}
	message, err := decodeMessage(in.Message)
	if err != nil {
		return nil, err
	}
	primary, err := primaryType(in.Types, in.PrimaryType)
	if err != nil {
		return nil, err
	}
	types := make(apitypes.Types, len(in.Types)+1)
	for name, fields := range in.Types {
		types[name] = fields
	}
	domainFields, domainValues := in.Domain.fields()
	if _, ok := types[domainType]; !ok {
		types[domainType] = domainFields
	}
	td := apitypes.TypedData{
		Types:       types,
		PrimaryType: primary,
		Domain:      in.Domain.apitypes(),
		Message:     message,
	}
	// apitypes panics on some malformed input (e.g. a null array item);
	// such input is the caller's fault, so it becomes a 400.
	defer func() {
		if r := recover(); r != nil {
			digest, err = nil, apierr.BadRequest("typed data cannot be encoded").Wrap(fmt.Errorf("apitypes panic: %v", r))
		}
	}()
	separator, err := td.HashStruct(domainType, domainValues)
	if err != nil {
		return nil, apierr.BadRequest("domain cannot be encoded: %s", clip(err.Error()))
	}
	structHash, err := td.HashStruct(primary, message)
	if err != nil {
		return nil, apierr.BadRequest("message cannot be encoded as %s: %s", clip(primary), clip(err.Error()))
	}
	return crypto.Keccak256([]byte{0x19, 0x01}, separator, structHash), nil
}

// fields returns the EIP712Domain type derived from the fields present, in
// the order EIP-712 lists them (as ethers and viem derive it), and the
// values to hash.
func (d *typedDomain) fields() ([]apitypes.Type, map[string]any) {
	var types []apitypes.Type
	values := map[string]any{}
	if d.Name != nil {
		types = append(types, apitypes.Type{Name: "name", Type: "string"})
		values["name"] = *d.Name
	}
	if d.Version != nil {
		types = append(types, apitypes.Type{Name: "version", Type: "string"})
		values["version"] = *d.Version
	}
	if d.ChainID != nil {
		types = append(types, apitypes.Type{Name: "chainId", Type: "uint256"})
		values["chainId"] = d.ChainID
	}
	if d.VerifyingContract != nil {
		types = append(types, apitypes.Type{Name: "verifyingContract", Type: "address"})
		values["verifyingContract"] = *d.VerifyingContract
	}
	if d.Salt != nil {
		types = append(types, apitypes.Type{Name: "salt", Type: "bytes32"})
		values["salt"] = *d.Salt
	}
	return types, values
}

// apitypes converts d to go-ethereum's domain struct, which apitypes uses
// only to check that the domain is not empty.
func (d *typedDomain) apitypes() apitypes.TypedDataDomain {
	var out apitypes.TypedDataDomain
	if d.Name != nil {
		out.Name = *d.Name
	}
	if d.Version != nil {
		out.Version = *d.Version
	}
	out.ChainId = d.ChainID
	if d.VerifyingContract != nil {
		out.VerifyingContract = *d.VerifyingContract
	}
	if d.Salt != nil {
		out.Salt = *d.Salt
	}
	return out
}

// primaryType returns the explicit primary type if given, else the one
// type no other type references (excluding EIP712Domain), as ethers'
// TypedDataEncoder infers it.
func primaryType(types map[string][]apitypes.Type, explicit *string) (string, error) {
	if explicit != nil {
		if *explicit == domainType {
			return "", apierr.BadRequest("primaryType cannot be %s", domainType)
		}
		if _, ok := types[*explicit]; !ok {
			return "", apierr.BadRequest("primaryType %q is not defined in types", clip(*explicit))
		}
		return *explicit, nil
	}
	referenced := map[string]bool{}
	for name, fields := range types {
		for _, f := range fields {
			base, _, _ := strings.Cut(f.Type, "[")
			if base != name {
				referenced[base] = true
			}
		}
	}
	var roots []string
	for name := range types {
		if name != domainType && !referenced[name] {
			roots = append(roots, name)
		}
	}
	switch len(roots) {
	case 1:
		return roots[0], nil
	case 0:
		return "", apierr.BadRequest("types has no primary type: every type is referenced by another")
	default:
		sort.Strings(roots)
		return "", apierr.BadRequest("types has ambiguous primary types: %s", clip(strings.Join(roots, ", ")))
	}
}

// decodeMessage decodes the EIP-712 message object, keeping JSON numbers
// exact: integers become *big.Int, which apitypes encodes as uint/int.
func decodeMessage(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, apierr.BadRequest("message is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var msg map[string]any
	if err := dec.Decode(&msg); err != nil {
		return nil, apierr.BadRequest("message must be a JSON object")
	}
	exactNumbers(msg)
	return msg, nil
}

// exactNumbers replaces, in place, every integral json.Number in v with a
// *big.Int; other numbers stay json.Number and fail to encode.
func exactNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = exactNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = exactNumbers(e)
		}
	case json.Number:
		if n, ok := new(big.Int).SetString(x.String(), 10); ok {
			return n
		}
		// Exponent forms such as 1e21: only when the value fits 257 bits,
		// so a huge exponent cannot allocate a huge integer.
		if f, ok := new(big.Float).SetPrec(1024).SetString(x.String()); ok && f.IsInt() && f.MantExp(nil) <= 257 {
			n, _ := f.Int(nil)
			return n
		}
	}
	return v
}
