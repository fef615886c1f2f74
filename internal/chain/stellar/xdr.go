package stellar

import (
	"encoding/binary"

	"github.com/custos-dev/custos/internal/apierr"
)

// XDR envelope types (Stellar's EnvelopeType).
const (
	envelopeTxV0    = 0
	envelopeTx      = 2
	envelopeFeeBump = 5
)

// maxSignatures is XDR's bound on an envelope's DecoratedSignature list.
const maxSignatures = 20

// envelope locates the parts of a TransactionEnvelope that signing needs.
type envelope struct {
	kind     uint32
	sigStart int // offset of the trailing signature list
	nsig     int // signatures already present
	fee      int64
	ops      int // operations of the (inner) transaction
}

// reader reads big-endian XDR and remembers the first error as a 400.
type reader struct {
	b     []byte
	off   int
	field string
	bad   bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || r.off+n > len(r.b) {
		r.bad = true
		return make([]byte, max(n, 0))
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }

// opaque skips a variable-length opaque of at most maxLen bytes, padded to 4.
func (r *reader) opaque(maxLen uint32) {
	n := r.u32()
	if n > maxLen {
		r.bad = true
		return
	}
	r.take(int(n+3) &^ 3)
}

func (r *reader) err(what string) error {
	return apierr.BadRequest("%s is not a Stellar transaction envelope: %s does not decode", r.field, what)
}

// muxedAccount reads a MuxedAccount and returns its ed25519 key.
func (r *reader) muxedAccount() []byte {
	switch r.u32() {
	case 0: // KEY_TYPE_ED25519
		return r.take(32)
	case 0x100: // KEY_TYPE_MUXED_ED25519
		r.u64()
		return r.take(32)
	}
	r.bad = true
	return nil
}

// signerKey skips a SignerKey.
func (r *reader) signerKey() {
	switch r.u32() {
	case 0, 1, 2:
		r.take(32)
	case 3:
		r.take(32)
		r.opaque(64)
	default:
		r.bad = true
	}
}

// txHeader reads a Transaction (v1) up to and including its operation
// count and returns the source key, fee and that count.
func (r *reader) txHeader() (src []byte, fee uint32, ops int) {
	src = r.muxedAccount()
	fee = r.u32()
	r.u64()          // seqNum
	switch r.u32() { // Preconditions
	case 0:
	case 1:
		r.take(16)
	case 2:
		if r.u32() != 0 { // timeBounds
			r.take(16)
		}
		if r.u32() != 0 { // ledgerBounds
			r.take(8)
		}
		if r.u32() != 0 { // minSeqNum
			r.take(8)
		}
		r.take(8 + 4) // minSeqAge, minSeqLedgerGap
		n := r.u32()
		if n > 2 {
			r.bad = true
		}
		for i := uint32(0); i < n && !r.bad; i++ {
			r.signerKey()
		}
	default:
		r.bad = true
	}
	switch r.u32() { // Memo
	case 0:
	case 1:
		r.opaque(28)
	case 2:
		r.take(8)
	case 3, 4:
		r.take(32)
	default:
		r.bad = true
	}
	n := r.u32()
	if n == 0 || n > 100 {
		r.bad = true
	}
	return src, fee, int(n)
}

// parseEnvelope checks the head of a v1 or fee-bump envelope and finds the
// signature list at its end. Operations are not decoded: the list is found
// from the end, where each present signature is a 4-byte hint and a 64-byte
// ed25519 signature (other signature sizes are refused).
func parseEnvelope(b []byte, field string) (*envelope, error) {
	r := &reader{b: b, field: field}
	e := &envelope{kind: r.u32()}
	switch e.kind {
	case envelopeTx:
		_, fee, ops := r.txHeader()
		e.fee, e.ops = int64(fee), ops
		if r.bad {
			return nil, r.err("the transaction head")
		}
	case envelopeFeeBump:
		r.muxedAccount()
		e.fee = int64(r.u64())
		if r.u32() != envelopeTx {
			r.bad = true
		}
		_, _, e.ops = r.txHeader()
		if r.bad {
			return nil, r.err("the fee-bump head")
		}
	case envelopeTxV0:
		return nil, apierr.BadRequest("%s is a v0 transaction envelope; build a v1 envelope (ENVELOPE_TYPE_TX)", field)
	default:
		return nil, apierr.BadRequest("%s is not a Stellar transaction envelope (type %d)", field, e.kind)
	}
	for k := 0; k <= maxSignatures; k++ {
		start := len(b) - 4 - 72*k
		if start < r.off {
			break
		}
		if binary.BigEndian.Uint32(b[start:]) != uint32(k) {
			continue
		}
		ok := true
		for i := range k {
			if binary.BigEndian.Uint32(b[start+4+72*i+4:]) != 64 {
				ok = false
				break
			}
		}
		if ok {
			e.sigStart, e.nsig = start, k
			break
		}
	}
	if e.sigStart == 0 {
		return nil, apierr.BadRequest("%s: the signature list at the end of the envelope does not decode (only ed25519 signatures are supported)", field)
	}
	if e.nsig == maxSignatures {
		return nil, apierr.BadRequest("%s already has %d signatures, the most an envelope holds", field, maxSignatures)
	}
	return e, nil
}

// wrapFeeBump builds the fee-bump envelope (no signatures yet) in which
// feeSource pays for inner, a v1 envelope. The fee keeps the inner
// transaction's fee rate per operation for the one extra operation a fee
// bump counts, and never goes under the network minimum of 100 stroops
// per operation.
func wrapFeeBump(feeSource, inner []byte) ([]byte, error) {
	e, err := parseEnvelope(inner, "innerTransaction")
	if err != nil {
		return nil, err
	}
	if e.kind != envelopeTx {
		return nil, apierr.BadRequest("innerTransaction must be a v1 transaction envelope (ENVELOPE_TYPE_TX), not a fee-bump")
	}
	ops := int64(e.ops)
	fee := e.fee + (e.fee+ops-1)/ops
	fee = max(fee, 100*(ops+1))
	out := make([]byte, 0, len(inner)+56)
	out = binary.BigEndian.AppendUint32(out, envelopeFeeBump)
	out = binary.BigEndian.AppendUint32(out, 0) // KEY_TYPE_ED25519
	out = append(out, feeSource...)
	out = binary.BigEndian.AppendUint64(out, uint64(fee))
	out = append(out, inner...)                 // innerTx: ENVELOPE_TYPE_TX + v1 envelope
	out = binary.BigEndian.AppendUint32(out, 0) // ext
	out = binary.BigEndian.AppendUint32(out, 0) // no signatures
	return out, nil
}
