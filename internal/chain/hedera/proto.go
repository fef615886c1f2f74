package hedera

import (
	"encoding/binary"

	"github.com/custos-dev/custos/internal/apierr"
)

// The Hedera protobuf messages Custos reads and writes (hashgraph/hedera-
// protobufs: transaction_list.proto, transaction.proto,
// transaction_contents.proto, basic_types.proto):
//
//	message TransactionList   { repeated Transaction transaction_list = 1; }
//	message Transaction       { bytes signedTransactionBytes = 5; ... }
//	message SignedTransaction { bytes bodyBytes = 1; SignatureMap sigMap = 2; }
//	message SignatureMap      { repeated SignaturePair sigPair = 1; }
//	message SignaturePair     { bytes pubKeyPrefix = 1; oneof signature {
//	                            bytes ed25519 = 3; bytes ECDSA_secp256k1 = 6; ... } }
//
// Only the wire format is read: the body a signature covers is never
// decoded, and fields Custos does not know are kept as they came.

// Field numbers.
const (
	fieldListTransaction                = 1
	fieldSignedTxBytes                  = 5
	fieldBodyBytes                      = 1
	fieldSigMap                         = 2
	fieldSigPair                        = 1
	fieldPubKeyPrefix                   = 1
	fieldSigEd25519                     = 3
	fieldSigECDSASecp256k1              = 6
	wireVarint, wire64, wireLen, wire32 = 0, 1, 2, 5
)

// field is one protobuf field as it appears on the wire: number, wire type,
// its whole encoding (key included) and, for length-delimited fields, its
// payload.
type field struct {
	num  uint64
	typ  byte
	raw  []byte
	data []byte
}

// fields splits b into its top-level fields, or reports why b is not
// well-formed protobuf; what names the message for the error.
func fields(what string, b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		start := b
		key, n := binary.Uvarint(b)
		if n <= 0 || key>>3 == 0 || key>>3 > 1<<29-1 {
			return nil, errBad(what, "a field key is malformed")
		}
		b = b[n:]
		f := field{num: key >> 3, typ: byte(key & 7)}
		switch f.typ {
		case wireVarint:
			_, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errBad(what, "a varint is truncated")
			}
			b = b[n:]
		case wire64:
			if len(b) < 8 {
				return nil, errBad(what, "a 64-bit field is truncated")
			}
			b = b[8:]
		case wireLen:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errBad(what, "a length-delimited field is truncated")
			}
			f.data = b[n : n+int(l)]
			b = b[n+int(l):]
		case wire32:
			if len(b) < 4 {
				return nil, errBad(what, "a 32-bit field is truncated")
			}
			b = b[4:]
		default:
			return nil, errBad(what, "unsupported wire type")
		}
		f.raw = start[:len(start)-len(b)]
		out = append(out, f)
	}
	return out, nil
}

// appendBytes appends field num as a length-delimited field holding data.
func appendBytes(b []byte, num uint64, data []byte) []byte {
	b = binary.AppendUvarint(b, num<<3|wireLen)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func errBad(what, why string) error {
	return apierr.BadRequest("transaction is not a Hedera TransactionList (the SDK's Transaction.toBytes()): %s: %s", what, why)
}
