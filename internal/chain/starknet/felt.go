package starknet

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
)

var (
	reHex = regexp.MustCompile(`^0[xX][0-9a-fA-F]+$`)
	reDec = regexp.MustCompile(`^[+-]?[0-9]+$`)
	reBin = regexp.MustCompile(`^0[bB][01]+$`)
	reOct = regexp.MustCompile(`^0[oO][0-7]+$`)

	// maxSafe is the largest integer a JSON number may carry: above it
	// JavaScript clients (starknet.js) have already lost precision.
	maxSafe = big.NewInt(1<<53 - 1)
)

// maxNumberLen bounds a number written as a string: a field element takes
// at most 76 decimal digits (254 in binary, with its 0b).
const maxNumberLen = 256

// parseRPCFelt reads a transaction field: a 0x-hex field element, as
// Starknet's JSON-RPC writes them. field names it in the 400.
func parseRPCFelt(field, s string) (*big.Int, error) {
	if !reHex.MatchString(s) || len(s) > 2+64 {
		return nil, apierr.BadRequest("%s must be a 0x-hex field element", field)
	}
	v, _ := new(big.Int).SetString(s[2:], 16)
	if !stark.InField(v) {
		return nil, apierr.BadRequest("%s is not below the Starknet field prime", field)
	}
	return v, nil
}

// parseRPCFelts reads a list of 0x-hex field elements, counting them
// against budget.
func parseRPCFelts(field string, in []string, budget *int) ([]*big.Int, error) {
	if *budget -= len(in); *budget < 0 {
		return nil, apierr.BadRequest("transaction has more than %d field elements", maxTxFelts)
	}
	out := make([]*big.Int, len(in))
	for i, s := range in {
		v, err := parseRPCFelt(field, s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// numberish reads a typed-data value the way starknet.js's BigInt(value)
// does: a JSON boolean (0/1), an integer JSON number, or a string holding
// a decimal, 0x-hex, 0b or 0o integer (surrounding spaces allowed, "" is
// 0). ok is false when the value is a string that is not a number (the
// caller may then read it as a short string). Other JSON values are 400s.
func numberish(field string, raw json.RawMessage) (v *big.Int, ok bool, err error) {
	var x any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return nil, false, apierr.BadRequest("%s is not valid JSON", field)
	}
	switch t := x.(type) {
	case bool:
		if t {
			return big.NewInt(1), true, nil
		}
		return new(big.Int), true, nil
	case json.Number:
		f, _, err := big.ParseFloat(string(t), 10, 256, big.ToNearestEven)
		if err != nil || !f.IsInt() {
			return nil, false, apierr.BadRequest("%s must be an integer", field)
		}
		if new(big.Float).Abs(f).Cmp(new(big.Float).SetInt(maxSafe)) > 0 { // before Int: 1e999999999 is an integer too
			return nil, false, apierr.BadRequest("%s is a JSON number above 2^53; send it as a string", field)
		}
		n, _ := f.Int(nil)
		return n, true, nil
	case string:
		s := strings.TrimSpace(t)
		if len(s) > maxNumberLen && (reHex.MatchString(s) || reDec.MatchString(s) || reBin.MatchString(s) || reOct.MatchString(s)) {
			return nil, false, apierr.BadRequest("%s is a number of more than %d characters", field, maxNumberLen)
		}
		switch {
		case s == "":
			return new(big.Int), true, nil
		case reHex.MatchString(s):
			n, _ := new(big.Int).SetString(s[2:], 16)
			return n, true, nil
		case reBin.MatchString(s):
			n, _ := new(big.Int).SetString(s[2:], 2)
			return n, true, nil
		case reOct.MatchString(s):
			n, _ := new(big.Int).SetString(s[2:], 8)
			return n, true, nil
		case reDec.MatchString(s):
			n, _ := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10)
			return n, true, nil
		}
		return nil, false, nil
	}
	return nil, false, apierr.BadRequest("%s must be a number, a string or a boolean", field)
}

// shortString encodes s as a Cairo short string, or returns a 400.
// Characters below 0x10 are refused: starknet.js encodes them as a single
// hex digit, which no byte-wise encoding reproduces.
func shortString(field, s string) (*big.Int, error) {
	for i := range len(s) {
		if s[i] < 0x10 {
			return nil, apierr.BadRequest("%s: control characters are not supported in short strings", field)
		}
	}
	v, err := stark.ShortString(s)
	if err != nil {
		return nil, apierr.BadRequest("%s must be a number or an ASCII string of at most 31 characters", chain.Clip(field))
	}
	return v, nil
}

// feltish is starknet.js's getHex: a number as numberish reads it, else a
// short string.
func feltish(field string, raw json.RawMessage) (*big.Int, error) {
	v, ok, err := numberish(field, raw)
	if err != nil {
		return nil, err
	}
	if ok {
		return v, nil
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return shortString(field, s)
}
