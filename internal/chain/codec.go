package chain

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
)

// Hex0x encodes b as 0x-prefixed lower-case hex, the wire form of hashes
// and signatures.
func Hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// DecodeHex decodes hex with an optional 0x prefix, or returns a 400 naming
// field.
func DecodeHex(field, s string) ([]byte, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		s = s[2:]
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, apierr.BadRequest("%s must be hex", field)
	}
	return b, nil
}

// DecodeBody decodes a request body into v, naming the field whose JSON
// type is wrong in a 400.
func DecodeBody(body json.RawMessage, v any) error {
	if len(body) == 0 {
		return apierr.BadRequest("request body is required")
	}
	err := json.Unmarshal(body, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field != "":
		return apierr.BadRequest("%s must be a string, not a JSON %s", te.Field, te.Value)
	default:
		return apierr.BadRequest("request body must be a JSON object")
	}
}

// Clip shortens caller-supplied names echoed in error messages.
func Clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// DecodeMessage reads the `message` field of a Message signature request:
// required, hex (optional 0x), not empty. Errors are 400s naming the field.
func DecodeMessage(body json.RawMessage) ([]byte, error) {
	var in struct {
		Message *string `json:"message"`
	}
	if err := DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Message == nil {
		return nil, apierr.BadRequest("message is required")
	}
	msg, err := DecodeHex("message", *in.Message)
	if err != nil {
		return nil, err
	}
	if len(msg) == 0 {
		return nil, apierr.BadRequest("message must not be empty")
	}
	return msg, nil
}

// DecodeHash reads the `hash` field of a Hash signature request: required,
// hex (optional 0x), 32 bytes. Errors are 400s naming the field.
func DecodeHash(body json.RawMessage) ([]byte, error) {
	var in struct {
		Hash *string `json:"hash"`
	}
	if err := DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Hash == nil {
		return nil, apierr.BadRequest("hash is required")
	}
	h, err := DecodeHex("hash", *in.Hash)
	if err != nil {
		return nil, err
	}
	if len(h) != 32 {
		return nil, apierr.BadRequest("hash must be 32 bytes, got %d", len(h))
	}
	return h, nil
}
