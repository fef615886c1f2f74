package tron

import (
	"encoding/binary"

	"github.com/custos-dev/custos/internal/apierr"
)

// The Tron Transaction message (tronprotocol/protocol core/Tron.proto):
//
//	message Transaction {
//	  raw raw_data = 1;
//	  repeated bytes signature = 2;
//	  repeated Result ret = 5;
//	}
//
// Custos reads only the wire format: the top-level fields of the
// Transaction, exactly one raw_data, whose own encoding must be well formed
// too (its fields are not interpreted).

// field is one protobuf field: number, wire type and, for length-delimited
// fields, its bytes.
type field struct {
	num    uint64
	typ    byte
	data   []byte
	varint uint64 // the value of a varint field
}

// fields splits b into its top-level protobuf fields, or reports why b is
// not well-formed protobuf.
func fields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errBad("a field key is not a varint")
		}
		b = b[n:]
		f := field{num: key >> 3, typ: byte(key & 7)}
		if f.num == 0 {
			return nil, errBad("field number 0")
		}
		switch f.typ {
		case 0: // varint
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errBad("a varint is truncated")
			}
			f.varint = v
			b = b[n:]
		case 1: // 64-bit
			if len(b) < 8 {
				return nil, errBad("a 64-bit field is truncated")
			}
			b = b[8:]
		case 2: // length-delimited
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errBad("a length-delimited field is truncated")
			}
			f.data = b[n : n+int(l)]
			b = b[n+int(l):]
		case 5: // 32-bit
			if len(b) < 4 {
				return nil, errBad("a 32-bit field is truncated")
			}
			b = b[4:]
		default:
			return nil, errBad("unsupported wire type")
		}
		out = append(out, f)
	}
	return out, nil
}

func errBad(why string) error {
	return apierr.BadRequest("transaction is not a Tron protobuf Transaction: %s", why)
}

// rawData returns the raw_data bytes of a serialized Transaction.
func rawData(tx []byte) ([]byte, error) {
	fs, err := fields(tx)
	if err != nil {
		return nil, err
	}
	var raw []byte
	seen := false
	for _, f := range fs {
		if f.num == 1 {
			if f.typ != 2 || seen {
				return nil, errBad("raw_data (field 1) must appear once, length-delimited")
			}
			raw, seen = f.data, true
		}
	}
	if !seen || len(raw) == 0 {
		return nil, errBad("raw_data (field 1) is missing")
	}
	inner, err := fields(raw)
	if err != nil {
		return nil, err
	}
	hasContract := false
	for _, f := range inner {
		if f.num == 11 && f.typ == 2 { // raw.contract
			hasContract = true
		}
	}
	if !hasContract {
		return nil, errBad("raw_data has no contract (field 11)")
	}
	return raw, nil
}
