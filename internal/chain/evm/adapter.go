package evm

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/cosmos"
)

// Signature request kinds EVM networks accept (doc.go lists the sources).
const (
	kindHash        = "Hash"
	kindMessage     = "Message"
	kindEip191      = "Eip191"
	kindEip712      = "Eip712"
	kindTransaction = "Transaction"
	kindEip7702     = "Eip7702"
	// kindSignDocDirect is served on the Sei networks only.
	kindSignDocDirect = "SignDocDirect"
)

// Adapter implements chain.Adapter for every EVM network in networks.
type Adapter struct{}

var _ chain.Adapter = (*Adapter)(nil)

// New returns the EVM adapter.
func New() *Adapter { return &Adapter{} }

// Networks lists the EVM wire network names, sorted.
func (*Adapter) Networks() []string { return networkNames() }

// KeyFits reports (as a 400 error) why key cannot back a wallet on network:
// EVM networks need an ECDSA key on secp256k1 with a valid public key.
func (*Adapter) KeyFits(network string, key chain.Key) error {
	if _, ok := networks[network]; !ok {
		return apierr.BadRequest("network %s is not an EVM network", clip(network))
	}
	_, err := publicKey(key)
	return err
}

// Address derives the EIP-55 checksummed address of key: the last 20 bytes
// of keccak256 over the uncompressed public key without its 0x04 prefix.
func (*Adapter) Address(network string, key chain.Key) (string, error) {
	if _, ok := networks[network]; !ok {
		return "", apierr.BadRequest("network %s is not an EVM network", clip(network))
	}
	pub, err := publicKey(key)
	if err != nil {
		return "", err
	}
	return crypto.PubkeyToAddress(*pub).Hex(), nil
}

// Sign validates req for network and signs it with s. See doc.go for the
// request fields and response encodings of each kind.
func (*Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	chainID, ok := networks[network]
	if !ok {
		return nil, apierr.BadRequest("network %s is not an EVM network", clip(network))
	}
	pub, err := publicKey(key)
	if err != nil {
		return nil, err
	}
	k := keySigner{signer: s, pub: pub}
	switch req.Kind {
	case kindHash:
		return signHash(ctx, k, req.Body)
	case kindMessage, kindEip191:
		return signPersonal(ctx, k, req.Body)
	case kindEip712:
		return signTypedData(ctx, k, req.Body)
	case kindTransaction:
		return signTransaction(ctx, k, chainID, req.Body)
	case kindEip7702:
		return signAuthorization(ctx, k, chainID, req.Body)
	case kindSignDocDirect:
		// Sei keeps its Cosmos SDK side, which Dfns' Cosmos library signs
		// with SignDocDirect (docs/protocol/networks-cosmos.md §Sei).
		if network != "SeiPacific1" && network != "SeiAtlantic2" {
			return nil, apierr.BadRequest("signature kind SignDocDirect is not supported on %s", clip(network))
		}
		cpub, err := cosmos.PublicKey(network, key)
		if err != nil {
			return nil, err
		}
		return cosmos.SignDirect(ctx, cpub, s, req.Body)
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on EVM networks", clip(req.Kind))
	}
}

// publicKey checks that key is ECDSA/secp256k1 and parses its public key
// (33-byte compressed, or 65-byte uncompressed SEC1).
func publicKey(key chain.Key) (*ecdsa.PublicKey, error) {
	if key.Scheme != chain.SchemeECDSA || key.Curve != chain.CurveSecp256k1 {
		return nil, apierr.BadRequest("EVM networks need an %s key on %s, not %s on %s",
			chain.SchemeECDSA, chain.CurveSecp256k1, clip(key.Scheme), clip(key.Curve))
	}
	var (
		pub *ecdsa.PublicKey
		err error
	)
	switch len(key.PublicKey) {
	case 33:
		pub, err = crypto.DecompressPubkey(key.PublicKey)
	case 65:
		pub, err = crypto.UnmarshalPubkey(key.PublicKey)
	default:
		err = fmt.Errorf("length %d", len(key.PublicKey))
	}
	if err != nil {
		return nil, apierr.BadRequest("the key's public key is not a valid secp256k1 point").Wrap(err)
	}
	return pub, nil
}

// keySigner pairs a custody Signer with the public key it must sign for.
type keySigner struct {
	signer chain.Signer
	pub    *ecdsa.PublicKey
}

// secp256k1N and secp256k1HalfN are the curve order and half of it.
var (
	secp256k1N     = crypto.S256().Params().N
	secp256k1HalfN = new(big.Int).Rsh(secp256k1N, 1)
)

// sign signs a 32-byte digest and returns r || s || recid (recid 0 or 1)
// with low S. It checks that the signature recovers to k's public key, so
// a faulty signer can never produce a transaction from another address.
func (k keySigner) sign(ctx context.Context, digest []byte) ([65]byte, error) {
	var out [65]byte
	sig, recid, err := k.signer.SignECDSA(ctx, digest)
	if err != nil {
		return out, fmt.Errorf("sign digest: %w", err)
	}
	if len(sig) != 64 || recid > 1 {
		return out, apierr.Internal(fmt.Errorf("signer returned %d signature bytes and recovery id %d", len(sig), recid))
	}
	copy(out[:64], sig)
	out[64] = recid
	if sv := new(big.Int).SetBytes(out[32:64]); sv.Cmp(secp256k1HalfN) > 0 {
		// Normalise a high S (EIP-2): s' = n - s flips the recovery id.
		new(big.Int).Sub(secp256k1N, sv).FillBytes(out[32:64])
		out[64] ^= 1
	}
	got, err := crypto.SigToPub(digest, out[:])
	if err != nil || got.X.Cmp(k.pub.X) != 0 || got.Y.Cmp(k.pub.Y) != 0 {
		return out, apierr.Internal(errors.New("signer returned a signature that does not recover to the key"))
	}
	return out, nil
}

// result renders a signature as the wire Signature: r and s as 32-byte 0x
// hex, recid, and encoded = 0x r || s || v with v = 27 + recid.
func result(sig [65]byte) *chain.Result {
	recid := int(sig[64])
	enc := make([]byte, 65)
	copy(enc, sig[:64])
	enc[64] = 27 + sig[64]
	return &chain.Result{Signature: &chain.Signature{
		R:       hex0x(sig[:32]),
		S:       hex0x(sig[32:64]),
		Recid:   &recid,
		Encoded: hex0x(enc),
	}}
}

// hashBody is the body of a Hash request.
type hashBody struct {
	Hash *string `json:"hash"`
}

// signHash signs a caller-supplied 32-byte digest as is.
func signHash(ctx context.Context, k keySigner, body json.RawMessage) (*chain.Result, error) {
	var in hashBody
	if err := decodeBody(body, kindHash, &in); err != nil {
		return nil, err
	}
	if in.Hash == nil {
		return nil, apierr.BadRequest("hash is required")
	}
	digest, err := decodeHex("hash", *in.Hash)
	if err != nil {
		return nil, err
	}
	if len(digest) != 32 {
		return nil, apierr.BadRequest("hash must be 32 bytes, got %d", len(digest))
	}
	sig, err := k.sign(ctx, digest)
	if err != nil {
		return nil, err
	}
	return result(sig), nil
}

// messageBody is the body of a Message or Eip191 request.
type messageBody struct {
	Message *string `json:"message"`
}

// signPersonal signs the hex-decoded message as an EIP-191 version 0x45
// personal message (personal_sign): keccak256("\x19Ethereum Signed
// Message:\n" || len(message) || message).
func signPersonal(ctx context.Context, k keySigner, body json.RawMessage) (*chain.Result, error) {
	var in messageBody
	if err := decodeBody(body, "Message", &in); err != nil {
		return nil, err
	}
	if in.Message == nil {
		return nil, apierr.BadRequest("message is required")
	}
	msg, err := decodeHex("message", *in.Message)
	if err != nil {
		return nil, err
	}
	sig, err := k.sign(ctx, personalHash(msg))
	if err != nil {
		return nil, err
	}
	return result(sig), nil
}

// personalHash is the EIP-191 personal_sign digest of msg.
func personalHash(msg []byte) []byte {
	prefix := "\x19Ethereum Signed Message:\n" + strconv.Itoa(len(msg))
	return crypto.Keccak256([]byte(prefix), msg)
}

// decodeBody unmarshals a request body, turning JSON errors into a 400.
func decodeBody(body json.RawMessage, kind string, v any) error {
	if len(body) == 0 {
		return apierr.BadRequest("%s request body is empty", kind)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apierr.BadRequest("invalid %s request body: %s", kind, jsonProblem(err)).Wrap(err)
	}
	return nil
}

// jsonProblem describes a JSON decoding error without echoing input.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field != "" {
			return fmt.Sprintf("field %s has the wrong type", clip(typeErr.Field))
		}
		return "a value has the wrong type"
	}
	var synErr *json.SyntaxError
	if errors.As(err, &synErr) {
		return "malformed JSON"
	}
	var apiErr *apierr.Error
	if errors.As(err, &apiErr) {
		return apiErr.Message
	}
	return "malformed value"
}

// decodeHex decodes a hex string with or without a 0x prefix.
func decodeHex(field, s string) ([]byte, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(h)%2 != 0 {
		return nil, apierr.BadRequest("%s must be hex with an even number of digits", field)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, apierr.BadRequest("%s is not valid hex", field)
	}
	return b, nil
}

// parseAddress parses a 20-byte hex address; mixed-case input must carry a
// valid EIP-55 checksum.
func parseAddress(field, s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, apierr.BadRequest("%s is not a 20-byte hex address", field)
	}
	addr := common.HexToAddress(s)
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if h != strings.ToLower(h) && h != strings.ToUpper(h) && addr.Hex()[2:] != h {
		return common.Address{}, apierr.BadRequest("%s has an invalid EIP-55 checksum", field)
	}
	return addr, nil
}

// hex0x renders b as 0x-prefixed lower-case hex.
func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// clip shortens caller-supplied text echoed in error messages.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
