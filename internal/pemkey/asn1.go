package pemkey

import (
	"bytes"
	"encoding/asn1"
	"reflect"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// algorithmIdentifier is RFC 5280 AlgorithmIdentifier.
type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// subjectPublicKeyInfo is RFC 5280 SubjectPublicKeyInfo ("PUBLIC KEY").
type subjectPublicKeyInfo struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

// privateKeyInfo is RFC 5958 OneAsymmetricKey ("PRIVATE KEY"), which is
// PKCS#8 PrivateKeyInfo when Version is 0.
type privateKeyInfo struct {
	Version    int
	Algorithm  algorithmIdentifier
	PrivateKey []byte
	Attributes asn1.RawValue `asn1:"optional,tag:0"`
	PublicKey  asn1.RawValue `asn1:"optional,tag:1"`
}

// ecPrivateKey is SEC1 / RFC 5915 ECPrivateKey ("EC PRIVATE KEY", and the
// inner key of an EC PKCS#8 key).
type ecPrivateKey struct {
	Version       int
	PrivateKey    []byte
	NamedCurveOID asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

// unmarshalDER parses der into v (a pointer) and insists that der is the canonical DER
// encoding of v: no trailing bytes, no extra SEQUENCE members, no BER forms.
func unmarshalDER(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return errorf("malformed ASN.1")
	}
	if len(rest) != 0 {
		return errorf("trailing data after the ASN.1 structure")
	}
	again, err := asn1.Marshal(reflect.ValueOf(v).Elem().Interface())
	if err != nil || !bytes.Equal(again, der) {
		return errorf("ASN.1 structure is not in canonical DER form")
	}
	return nil
}

// curveOID returns the named-curve OID carried in EC algorithm parameters,
// or nil when they are not a single OID.
func curveOID(params asn1.RawValue) asn1.ObjectIdentifier {
	if len(params.FullBytes) == 0 {
		return nil
	}
	var oid asn1.ObjectIdentifier
	rest, err := asn1.Unmarshal(params.FullBytes, &oid)
	if err != nil || len(rest) != 0 {
		return nil
	}
	return oid
}

// isSecp256k1 reports whether alg names an id-ecPublicKey key on secp256k1.
func isSecp256k1(alg algorithmIdentifier) bool {
	return alg.Algorithm.Equal(oidECPublicKey) && curveOID(alg.Parameters).Equal(oidSecp256k1)
}

// secp256k1Params is the DER of the secp256k1 namedCurve OID.
func secp256k1Params() asn1.RawValue {
	der, _ := asn1.Marshal(oidSecp256k1)
	return asn1.RawValue{FullBytes: der}
}

// parseSecp256k1Point parses an SEC1 point: uncompressed (04) or compressed
// (02/03). Hybrid points and points not on the curve are rejected.
func parseSecp256k1Point(bs asn1.BitString) (*secp256k1.PublicKey, error) {
	b := bs.Bytes
	if bs.BitLength != 8*len(b) || len(b) == 0 {
		return nil, errorf("malformed EC point")
	}
	switch {
	case b[0] == 0x04 && len(b) == 65:
	case (b[0] == 0x02 || b[0] == 0x03) && len(b) == 33:
	default:
		return nil, errorf("unsupported EC point encoding")
	}
	pub, err := secp256k1.ParsePubKey(b)
	if err != nil {
		// The library's message names the coordinates; keep it out.
		return nil, errorf("EC point is not on the secp256k1 curve")
	}
	return pub, nil
}

// marshalSecp256k1SPKI encodes pub as SPKI DER the way Node and OpenSSL do:
// id-ecPublicKey, namedCurve secp256k1, uncompressed point.
func marshalSecp256k1SPKI(pub *secp256k1.PublicKey) []byte {
	pt := pub.SerializeUncompressed()
	der, err := asn1.Marshal(subjectPublicKeyInfo{
		Algorithm: algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: secp256k1Params()},
		PublicKey: asn1.BitString{Bytes: pt, BitLength: 8 * len(pt)},
	})
	if err != nil {
		panic("pemkey: marshal secp256k1 SPKI: " + err.Error()) // fixed shapes: cannot happen
	}
	return der
}

// parseSecp256k1SEC1 parses an ECPrivateKey on secp256k1. outerCurve is the
// curve named by an enclosing PKCS#8 structure (nil for a bare SEC1 key); the
// key's own parameters, if any, must agree with it. An embedded public key
// must match the private scalar.
func parseSecp256k1SEC1(der []byte, outerCurve asn1.ObjectIdentifier) (*secp256k1.PrivateKey, error) {
	var k ecPrivateKey
	if err := unmarshalDER(der, &k); err != nil {
		return nil, err
	}
	if k.Version != 1 {
		return nil, errorf("unsupported EC private key version")
	}
	curve := k.NamedCurveOID
	switch {
	case curve == nil && outerCurve == nil:
		return nil, errorf("EC private key names no curve")
	case curve == nil:
		curve = outerCurve
	case outerCurve != nil && !curve.Equal(outerCurve):
		return nil, errorf("EC private key curve does not match its algorithm")
	}
	if !curve.Equal(oidSecp256k1) {
		return nil, errorf("unsupported EC curve")
	}
	if len(k.PrivateKey) == 0 || len(k.PrivateKey) > 32 {
		return nil, errorf("malformed EC private key")
	}
	var d secp256k1.ModNScalar
	if overflow := d.SetByteSlice(k.PrivateKey); overflow || d.IsZero() {
		return nil, errorf("EC private key out of range")
	}
	priv := secp256k1.NewPrivateKey(&d)
	d.Zero()
	if k.PublicKey.BitLength != 0 {
		pub, err := parseSecp256k1Point(k.PublicKey)
		if err != nil {
			return nil, err
		}
		if !pub.IsEqual(priv.PubKey()) {
			return nil, errorf("EC private key does not match its public key")
		}
	}
	return priv, nil
}

// marshalSecp256k1PKCS8 encodes priv as PKCS#8 DER exactly as Node's
// generateKeyPairSync('ec',{namedCurve:'secp256k1'}) exports it with
// {type:'pkcs8'}: version 0, id-ecPublicKey + secp256k1, and an inner SEC1
// key of version 1 with a 32-byte scalar, no parameters and the uncompressed
// public key.
func marshalSecp256k1PKCS8(priv *secp256k1.PrivateKey) []byte {
	scalar := priv.Serialize()
	pt := priv.PubKey().SerializeUncompressed()
	inner, err := asn1.Marshal(ecPrivateKey{
		Version:    1,
		PrivateKey: scalar,
		PublicKey:  asn1.BitString{Bytes: pt, BitLength: 8 * len(pt)},
	})
	clear(scalar)
	if err != nil {
		panic("pemkey: marshal secp256k1 SEC1: " + err.Error()) // fixed shapes: cannot happen
	}
	der, err := asn1.Marshal(privateKeyInfo{
		Algorithm:  algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: secp256k1Params()},
		PrivateKey: inner,
	})
	clear(inner)
	if err != nil {
		panic("pemkey: marshal secp256k1 PKCS#8: " + err.Error()) // fixed shapes: cannot happen
	}
	return der
}
