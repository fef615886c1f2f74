package starknet

import (
	"encoding/json"
	"math/big"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
)

// value encodes one field value of type typ (parent.key names the field,
// for enums and merkle trees) as starknet.js's encodeValue does.
func (e *encoder) value(typ string, raw json.RawMessage, path, parent, key string, depth int) (*big.Int, error) {
	if _, ok := e.lookup(typ); ok {
		return e.structHash(typ, raw, path, depth)
	}
	bad := func(what string) error { return apierr.BadRequest("%s %s", chain.Clip(path), what) }
	if strings.HasSuffix(typ, "*") {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil || items == nil {
			return nil, bad("must be an array")
		}
		hs := make([]*big.Int, len(items))
		for i, it := range items {
			h, err := e.value(typ[:len(typ)-1], it, path+"[]", "", "", depth+1)
			if err != nil {
				return nil, err
			}
			hs[i] = h
		}
		return e.hashMany(hs)
	}
	inRange := func(v, lo, hi *big.Int) error {
		if v.Cmp(lo) < 0 || v.Cmp(hi) > 0 {
			return bad("is out of range for " + typ)
		}
		return nil
	}
	feltMax := new(big.Int).Sub(stark.P, big.NewInt(1))
	zero := new(big.Int)
	number := func() (*big.Int, error) { // BigInt(data): numbers only
		v, ok, err := numberish(path, raw)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, bad("must be a number")
		}
		return v, nil
	}
	switch typ {
	case "enum":
		if e.rev == 1 {
			return e.enum(raw, path, parent, key, depth)
		}
	case "merkletree":
		return e.merkle(raw, path, parent, key, depth)
	case "selector":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, bad("must be a string")
		}
		if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
			return parseRPCFelt(path, s)
		}
		return stark.Keccak([]byte(s)), nil
	case "string":
		if e.rev == 1 {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, bad("must be a string")
			}
			return e.byteArray(s, path)
		}
	case "i128":
		if e.rev == 1 {
			v, err := number()
			if err != nil {
				return nil, err
			}
			if err := inRange(v, i128Min, i128Max); err != nil {
				return nil, err
			}
			if v.Sign() < 0 {
				v.Add(v, stark.P)
			}
			return v, nil
		}
	case "timestamp", "u128":
		if e.rev == 1 {
			v, err := number()
			if err != nil {
				return nil, err
			}
			return v, inRange(v, zero, u128Max)
		}
	case "felt", "shortstring":
		if e.rev == 1 {
			v, err := feltish(path, raw)
			if err != nil {
				return nil, err
			}
			return v, inRange(v, zero, feltMax)
		}
	case "ClassHash", "ContractAddress":
		if e.rev == 1 {
			v, err := number()
			if err != nil {
				return nil, err
			}
			return v, inRange(v, zero, feltMax)
		}
	case "bool":
		if e.rev == 1 {
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				return nil, bad("must be a boolean")
			}
			if b {
				return big.NewInt(1), nil
			}
			return new(big.Int), nil
		}
	default:
		if e.rev == 1 {
			return nil, apierr.BadRequest("%s: unsupported type %q", chain.Clip(path), chain.Clip(typ))
		}
	}
	// Revision 0 reads every other value as a felt or a short string.
	v, err := feltish(path, raw)
	if err != nil {
		return nil, err
	}
	return v, inRange(v, zero, feltMax)
}

// byteArray hashes a revision 1 string as a Cairo ByteArray: the number of
// full 31-character words, the words, the pending word (the last, shorter
// chunk, or 0) and its length.
func (e *encoder) byteArray(s, path string) (*big.Int, error) {
	var chunks []string
	for len(s) > 0 {
		n := min(31, len(s))
		chunks = append(chunks, s[:n])
		s = s[n:]
	}
	pending, pendingLen := new(big.Int), 0
	if n := len(chunks); n > 0 && len(chunks[n-1]) < 31 {
		w, err := shortString(path, chunks[n-1])
		if err != nil {
			return nil, err
		}
		pending, pendingLen = w, len(chunks[n-1])
		chunks = chunks[:n-1]
	}
	vals := []*big.Int{big.NewInt(int64(len(chunks)))}
	for _, c := range chunks {
		w, err := shortString(path, c)
		if err != nil {
			return nil, err
		}
		vals = append(vals, w)
	}
	vals = append(vals, pending, big.NewInt(int64(pendingLen)))
	return e.hashMany(vals)
}
