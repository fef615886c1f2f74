package starknet

import (
	"encoding/json"
	"math/big"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// starknetMessage is the short string "StarkNet Message".
var starknetMessage = new(big.Int).SetBytes([]byte("StarkNet Message"))

// snip12Hash returns the SNIP-12 message hash of a Snip12 request body for
// account: hash("StarkNet Message", domain struct hash, account, message
// struct hash), with the revision's hash.
func snip12Hash(body json.RawMessage, account *big.Int) (*big.Int, error) {
	var in snip12Body
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, apierr.BadRequest("a Snip12 request needs primaryType (string), types (object of [{name, type}]), domain and message (objects)")
	}
	if in.PrimaryType == nil || *in.PrimaryType == "" {
		return nil, apierr.BadRequest("primaryType is required")
	}
	if len(in.Types) == 0 {
		return nil, apierr.BadRequest("types is required")
	}
	if !isObject(in.Domain) {
		return nil, apierr.BadRequest("domain must be an object")
	}
	if !isObject(in.Message) {
		return nil, apierr.BadRequest("message must be an object")
	}
	if len(in.Types) > 64 {
		return nil, apierr.BadRequest("types has more than 64 types")
	}
	rev, domainType, err := revision(in)
	if err != nil {
		return nil, err
	}
	e := &encoder{rev: rev, types: in.Types, budget: maxTypedFelts}
	for name, fs := range in.Types {
		if rev == 1 && presetTypes[name] != nil {
			return nil, apierr.BadRequest("types must not redefine the preset type %s", name)
		}
		if len(fs) > 64 {
			return nil, apierr.BadRequest("types.%s has more than 64 fields", chain.Clip(name))
		}
	}
	if _, ok := e.lookup(*in.PrimaryType); !ok {
		return nil, apierr.BadRequest("primaryType %q is not defined in types", chain.Clip(*in.PrimaryType))
	}
	dh, err := e.structHash(domainType, in.Domain, "domain", 0)
	if err != nil {
		return nil, err
	}
	mh, err := e.structHash(*in.PrimaryType, in.Message, "message", 0)
	if err != nil {
		return nil, err
	}
	return e.hashMany([]*big.Int{starknetMessage, dh, account, mh})
}

// revision tells revision 1 (StarknetDomain in types, domain.revision 1 or
// "1") from revision 0 (StarkNetDomain in types, no revision or "0"), as
// starknet.js's identifyRevision does.
func revision(in snip12Body) (int, string, error) {
	var d struct {
		Revision json.RawMessage `json:"revision"`
	}
	_ = json.Unmarshal(in.Domain, &d)
	r := strings.TrimSpace(string(d.Revision))
	_, v1 := in.Types["StarknetDomain"]
	_, v0 := in.Types["StarkNetDomain"]
	switch {
	case v1 && (r == "1" || r == `"1"`):
		return 1, "StarknetDomain", nil
	case v0 && (r == "" || r == "null" || r == `"0"`):
		return 0, "StarkNetDomain", nil
	}
	return 0, "", apierr.BadRequest(`typed data must be revision 1 (types.StarknetDomain and domain.revision "1") or revision 0 (types.StarkNetDomain, no revision)`)
}

func isObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil
}

// feltPad returns v as 0x and 64 hex digits.
func feltPad(v *big.Int) string { return chain.Hex0x(v.FillBytes(make([]byte, 32))) }
