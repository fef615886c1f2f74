package evmwallet

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/evm"
)

// maxABIItems bounds the elements of one array argument of a call.
const maxABIItems = 1024

// abiValue converts the JSON value raw into the Go value go-ethereum's ABI
// encoder takes for t (docs/protocol/evm-call-function.md §2): integers
// as decimal strings, 0x hex or JSON integers; addresses as 0x and 40 hex
// digits; bytes as 0x hex; arrays as JSON arrays; tuples as objects keyed
// by component name. A value that does not fit is a 400 naming field.
func abiValue(field string, t abi.Type, raw json.RawMessage) (reflect.Value, error) {
	bad := func(want string) (reflect.Value, error) {
		return reflect.Value{}, apierr.BadRequest("%s must be %s (ABI type %s)", field, want, t.String())
	}
	switch t.T {
	case abi.IntTy, abi.UintTy:
		n, ok := jsonInteger(raw)
		if !ok {
			return bad("an integer (a decimal string, 0x hex or a JSON integer)")
		}
		if t.T == abi.UintTy && (n.Sign() < 0 || n.BitLen() > t.Size) {
			return bad(fmt.Sprintf("an integer from 0 to 2^%d-1", t.Size))
		}
		if t.T == abi.IntTy {
			lim := new(big.Int).Lsh(big.NewInt(1), uint(t.Size-1))
			if n.Cmp(lim) >= 0 || n.Cmp(new(big.Int).Neg(lim)) < 0 {
				return bad(fmt.Sprintf("an integer from -2^%d to 2^%d-1", t.Size-1, t.Size-1))
			}
		}
		v := reflect.New(t.GetType()).Elem()
		switch v.Kind() {
		case reflect.Pointer: // *big.Int
			v.Set(reflect.ValueOf(n))
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.SetInt(n.Int64())
		default:
			v.SetUint(n.Uint64())
		}
		return v, nil
	case abi.BoolTy:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return bad("true or false")
		}
		return reflect.ValueOf(b), nil
	case abi.StringTy:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return bad("a string")
		}
		return reflect.ValueOf(s), nil
	case abi.AddressTy:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return bad("an address")
		}
		a, err := evm.ParseAddress(field, s)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(a), nil
	case abi.BytesTy, abi.FixedBytesTy:
		var s string
		if json.Unmarshal(raw, &s) != nil || !strings.HasPrefix(s, "0x") {
			return bad("0x hex")
		}
		b, err := hex.DecodeString(s[2:])
		if err != nil {
			return bad("0x hex")
		}
		if t.T == abi.BytesTy {
			return reflect.ValueOf(b), nil
		}
		if len(b) != t.Size {
			return bad(fmt.Sprintf("0x and %d hex digits", 2*t.Size))
		}
		v := reflect.New(t.GetType()).Elem()
		reflect.Copy(v, reflect.ValueOf(b))
		return v, nil
	case abi.SliceTy, abi.ArrayTy:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return bad("an array")
		}
		if len(items) > maxABIItems || (t.T == abi.ArrayTy && len(items) != t.Size) {
			return bad(fmt.Sprintf("an array of %s items", arrayLen(t)))
		}
		var v reflect.Value
		if t.T == abi.SliceTy {
			v = reflect.MakeSlice(t.GetType(), len(items), len(items))
		} else {
			v = reflect.New(t.GetType()).Elem()
		}
		for i, item := range items {
			e, err := abiValue(fmt.Sprintf("%s[%d]", field, i), *t.Elem, item)
			if err != nil {
				return reflect.Value{}, err
			}
			v.Index(i).Set(e)
		}
		return v, nil
	case abi.TupleTy:
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil || fields == nil {
			return bad("an object")
		}
		v := reflect.New(t.GetType()).Elem()
		for i, name := range t.TupleRawNames {
			key := tupleKey(name, i)
			f, ok := fields[key]
			if !ok {
				return reflect.Value{}, apierr.BadRequest("%s.%s is required", field, key)
			}
			e, err := abiValue(field+"."+key, *t.TupleElems[i], f)
			if err != nil {
				return reflect.Value{}, err
			}
			v.Field(i).Set(e)
		}
		return v, nil
	}
	return bad("a value of a supported type")
}

// arrayLen describes how many items an array argument takes.
func arrayLen(t abi.Type) string {
	if t.T == abi.ArrayTy {
		return fmt.Sprint(t.Size)
	}
	return fmt.Sprintf("at most %d", maxABIItems)
}

// jsonInteger reads a JSON integer, or a string holding a decimal or 0x
// hex integer.
func jsonInteger(raw json.RawMessage) (*big.Int, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = strings.TrimSpace(string(raw))
	}
	if len(s) == 0 || len(s) > 80 {
		return nil, false
	}
	base := 10
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		s, base = h, 16
	}
	return new(big.Int).SetString(s, base)
}

// abiJSON renders a decoded ABI value for the wire: integers as decimal
// strings, addresses in EIP-55 form, bytes as 0x hex, arrays as arrays and
// tuples as objects keyed by component name.
func abiJSON(t abi.Type, v any) any {
	rv := reflect.ValueOf(v)
	switch t.T {
	case abi.IntTy, abi.UintTy:
		switch x := v.(type) {
		case *big.Int:
			return x.String()
		}
		if rv.CanInt() {
			return fmt.Sprint(rv.Int())
		}
		return fmt.Sprint(rv.Uint())
	case abi.AddressTy:
		return v.(common.Address).Hex()
	case abi.BytesTy:
		return "0x" + hex.EncodeToString(rv.Bytes())
	case abi.FixedBytesTy, abi.FunctionTy:
		b := make([]byte, rv.Len())
		reflect.Copy(reflect.ValueOf(b), rv)
		return "0x" + hex.EncodeToString(b)
	case abi.SliceTy, abi.ArrayTy:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = abiJSON(*t.Elem, rv.Index(i).Interface())
		}
		return out
	case abi.TupleTy:
		out := make(map[string]any, len(t.TupleElems))
		for i, name := range t.TupleRawNames {
			out[tupleKey(name, i)] = abiJSON(*t.TupleElems[i], rv.Field(i).Interface())
		}
		return out
	}
	return v // bool, string
}

// tupleKey is the key of a tuple component or output: its name, or its
// position when it has none.
func tupleKey(name string, i int) string {
	if name == "" {
		return fmt.Sprint(i)
	}
	return name
}
