package btc

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/custos-dev/custos/internal/chain"
)

// errBadSignerOutput reports a Signer that returned something unusable; it
// is a server fault, never the caller's.
var errBadSignerOutput = errors.New("signer returned an invalid signature")

// ecdsaSig is an ECDSA signature from the Signer, normalized to low S and
// checked against the wallet key.
type ecdsaSig struct {
	r, s  btcec.ModNScalar
	recid byte
	der   []byte // strict DER, no sighash byte
}

// signECDSA asks s to sign the 32-byte digest and verifies the answer.
func (w *wallet) signECDSA(ctx context.Context, s chain.Signer, digest []byte) (*ecdsaSig, error) {
	raw, recid, err := s.SignECDSA(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("ecdsa signer: %w", err)
	}
	if len(raw) != 64 || recid > 3 {
		return nil, fmt.Errorf("ecdsa signer: %w: %d bytes, recid %d", errBadSignerOutput, len(raw), recid)
	}
	var e ecdsaSig
	if e.r.SetByteSlice(raw[:32]) || e.s.SetByteSlice(raw[32:]) || e.r.IsZero() || e.s.IsZero() {
		return nil, fmt.Errorf("ecdsa signer: %w: r or s out of range", errBadSignerOutput)
	}
	e.recid = recid
	if e.s.IsOverHalfOrder() {
		// Bitcoin relays only low-S signatures (BIP-146); s and n-s are
		// both valid, and the negation flips the parity of R's image.
		e.s.Negate()
		e.recid ^= 1
	}
	sig := ecdsa.NewSignature(&e.r, &e.s)
	if !sig.Verify(digest, w.pub) {
		return nil, fmt.Errorf("ecdsa signer: %w: does not verify against the wallet key", errBadSignerOutput)
	}
	e.der = sig.Serialize()
	return &e, nil
}

// wire returns the signature as Dfns shows it: r, s, recid and the DER
// encoding without sighash byte.
func (e *ecdsaSig) wire() chain.Signature {
	r, s := e.r.Bytes(), e.s.Bytes()
	recid := int(e.recid)
	return chain.Signature{R: hex0x(r[:]), S: hex0x(s[:]), Recid: &recid, Encoded: hex0x(e.der)}
}

// signSchnorr asks s for a BIP-340 signature of digest under the key tweaked
// by tweak and verifies it against outputKey, the matching tweaked key.
func signSchnorr(ctx context.Context, s chain.Signer, digest, tweak []byte, outputKey *btcec.PublicKey) ([]byte, error) {
	raw, err := s.SignSchnorr(ctx, digest, tweak)
	if err != nil {
		return nil, fmt.Errorf("schnorr signer: %w", err)
	}
	if len(raw) != schnorr.SignatureSize {
		return nil, fmt.Errorf("schnorr signer: %w: %d bytes", errBadSignerOutput, len(raw))
	}
	sig, err := schnorr.ParseSignature(raw)
	if err != nil {
		return nil, fmt.Errorf("schnorr signer: %w: %w", errBadSignerOutput, err)
	}
	if !sig.Verify(digest, outputKey) {
		return nil, fmt.Errorf("schnorr signer: %w: does not verify against the tweaked key", errBadSignerOutput)
	}
	return raw, nil
}

// schnorrWire returns a 64-byte BIP-340 signature as r = R.x, s and the
// signature itself.
func schnorrWire(sig []byte) chain.Signature {
	return chain.Signature{R: hex0x(sig[:32]), S: hex0x(sig[32:64]), Encoded: hex0x(sig)}
}
