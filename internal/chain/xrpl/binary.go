package xrpl

import (
	"bytes"

	"github.com/custos-dev/custos/internal/apierr"
)

// The XRPL binary format (xrpl.org "Binary Format"): a transaction is a
// sequence of fields in canonical order, sorted by (type code, field code).
// Each field starts with its id — one byte when both codes are below 16
// (type in the high nibble), two or three bytes otherwise. Custos only
// walks the fields that sort before TxnSignature (type 7 Blob, field 4):
// types 1 to 6 have fixed sizes (Amount: 8 bytes for XRP, 33 for MPT, 48
// for issued currencies) and Blobs are length-prefixed.

const (
	typeBlob          = 7
	fieldSigningPub   = 3
	fieldTxnSignature = 4
)

func errBad(why string) error {
	return apierr.BadRequest("transaction is not an unsigned XRPL binary transaction: %s", why)
}

// fieldID decodes a field id at b, returning type, field and length.
func fieldID(b []byte) (typ, fld, n int, err error) {
	if len(b) == 0 {
		return 0, 0, 0, errBad("truncated field id")
	}
	hi, lo := int(b[0]>>4), int(b[0]&15)
	n = 1
	if hi == 0 {
		if len(b) < 2 {
			return 0, 0, 0, errBad("truncated field id")
		}
		hi = int(b[1])
		n = 2
	}
	if lo == 0 {
		if len(b) < n+1 {
			return 0, 0, 0, errBad("truncated field id")
		}
		lo = int(b[n])
		n++
	}
	return hi, lo, n, nil
}

// vlLength decodes a variable-length prefix.
func vlLength(b []byte) (l, n int, err error) {
	if len(b) == 0 {
		return 0, 0, errBad("truncated length")
	}
	switch b0 := int(b[0]); {
	case b0 <= 192:
		return b0, 1, nil
	case b0 <= 240:
		if len(b) < 2 {
			return 0, 0, errBad("truncated length")
		}
		return 193 + (b0-193)*256 + int(b[1]), 2, nil
	case b0 <= 254:
		if len(b) < 3 {
			return 0, 0, errBad("truncated length")
		}
		return 12481 + (b0-241)*65536 + int(b[1])*256 + int(b[2]), 3, nil
	}
	return 0, 0, errBad("bad length prefix")
}

// signingSlot finds where SigningPubKey goes in tx: the offset of the first
// field sorting after it, and whether tx already carries SigningPubKey
// (which must then be pk, and the offset is just after it). A transaction
// that is already signed, or multi-signed (empty SigningPubKey), is a 400.
func signingSlot(tx, pk []byte) (at int, has bool, err error) {
	off := 0
	prevT, prevF := 0, 0
	for off < len(tx) {
		t, f, n, err := fieldID(tx[off:])
		if err != nil {
			return 0, false, err
		}
		if t < prevT || (t == prevT && f <= prevF) {
			return 0, false, errBad("fields are not in canonical order")
		}
		prevT, prevF = t, f
		if t > typeBlob || (t == typeBlob && f > fieldSigningPub) {
			if t == typeBlob && f == fieldTxnSignature {
				return 0, false, apierr.BadRequest("transaction already has a TxnSignature")
			}
			return off, has, nil
		}
		body := tx[off+n:]
		var size int
		switch t {
		case 1:
			size = 2
		case 2:
			size = 4
		case 3:
			size = 8
		case 4:
			size = 16
		case 5:
			size = 32
		case 6:
			switch {
			case len(body) == 0:
				return 0, false, errBad("truncated amount")
			case body[0]&0x80 != 0:
				size = 48 // issued currency
			case body[0]&0x20 != 0:
				size = 33 // MPT
			default:
				size = 8 // XRP drops
			}
		case typeBlob:
			l, ln, err := vlLength(body)
			if err != nil {
				return 0, false, err
			}
			size = ln + l
			if f == fieldSigningPub {
				if l > len(body)-ln {
					return 0, false, errBad("truncated field")
				}
				v := body[ln : ln+l]
				if len(v) == 0 {
					return 0, false, apierr.BadRequest("transaction has an empty SigningPubKey (multi-signing), which is not supported")
				}
				if !bytes.Equal(v, pk) {
					return 0, false, apierr.BadRequest("transaction's SigningPubKey is not this wallet's public key")
				}
				has = true
			}
		default:
			return 0, false, errBad("unknown field type")
		}
		if size > len(body) {
			return 0, false, errBad("truncated field")
		}
		off += n + size
	}
	return off, has, nil
}
