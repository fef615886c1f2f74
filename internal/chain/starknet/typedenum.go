package starknet

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// fieldOf returns the definition of field key of type parent.
func (e *encoder) fieldOf(parent, key string) (typeField, bool) {
	fs, _ := e.lookup(parent)
	for _, f := range fs {
		if f.Name == key {
			return f, true
		}
	}
	return typeField{}, false
}

// enum hashes a revision 1 enum value {"Variant": [values…]}: the variant's
// index in the enum type, then each value encoded as the variant's tuple
// type says. An empty tuple "()" hashes as one 0, as starknet.js does.
func (e *encoder) enum(raw json.RawMessage, path, parent, key string, depth int) (*big.Int, error) {
	f, ok := e.fieldOf(parent, key)
	variants, known := e.types[f.Contains]
	if !ok || !known {
		return nil, apierr.BadRequest("%s: enum field needs contains naming a type", chain.Clip(path))
	}
	name, data, err := firstEntry(raw)
	if err != nil {
		return nil, apierr.BadRequest("%s must be an object {variant: [values]}", chain.Clip(path))
	}
	idx := -1
	for i, v := range variants {
		if v.Name == name {
			idx = i
			break
		}
	}
	if idx < 0 {
		return nil, apierr.BadRequest("%s: %q is not a variant of %s", chain.Clip(path), chain.Clip(name), chain.Clip(f.Contains))
	}
	vt := variants[idx].Type
	if !strings.HasPrefix(vt, "(") || !strings.HasSuffix(vt, ")") {
		return nil, apierr.BadRequest("%s: variant %s must have a tuple type", chain.Clip(path), chain.Clip(name))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, apierr.BadRequest("%s.%s must be an array", chain.Clip(path), chain.Clip(name))
	}
	vals := []*big.Int{big.NewInt(int64(idx))}
	for i, sub := range strings.Split(vt[1:len(vt)-1], ",") {
		if sub == "" {
			vals = append(vals, new(big.Int))
			continue
		}
		if i >= len(items) {
			return nil, apierr.BadRequest("%s.%s has too few values", chain.Clip(path), chain.Clip(name))
		}
		h, err := e.value(sub, items[i], path+"."+name, "", "", depth+1)
		if err != nil {
			return nil, err
		}
		vals = append(vals, h)
	}
	return e.hashMany(vals)
}

// firstEntry returns the first key of a JSON object and its value, in the
// order written (JavaScript's Object.entries order for non-numeric keys).
func firstEntry(raw json.RawMessage) (string, json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", nil, apierr.BadRequest("not an object")
	}
	t, err := dec.Token()
	if err != nil {
		return "", nil, err
	}
	k, ok := t.(string)
	if !ok {
		return "", nil, apierr.BadRequest("empty object")
	}
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return "", nil, err
	}
	return k, v, nil
}

// merkle hashes a merkletree value: the leaves are the encodings of the
// items (of the field's contains type), paired level by level with the
// smaller first (an odd leaf pairs with 0); the value is the root.
func (e *encoder) merkle(raw json.RawMessage, path, parent, key string, depth int) (*big.Int, error) {
	f, ok := e.fieldOf(parent, key)
	if !ok || f.Contains == "" || strings.HasSuffix(f.Contains, "*") {
		return nil, apierr.BadRequest("%s: merkletree field needs contains naming a non-array type", chain.Clip(path))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return nil, apierr.BadRequest("%s must be a non-empty array", chain.Clip(path))
	}
	level := make([]*big.Int, len(items))
	for i, it := range items {
		h, err := e.value(f.Contains, it, path+"[]", "", "", depth+1)
		if err != nil {
			return nil, err
		}
		level[i] = h
	}
	for len(level) > 1 {
		next := make([]*big.Int, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			b := new(big.Int)
			if i+1 < len(level) {
				b = level[i+1]
			}
			h, err := e.hashPair(level[i], b)
			if err != nil {
				return nil, err
			}
			next = append(next, h)
		}
		level = next
	}
	return level[0], nil
}
