package substrate

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// payloadJSON is polkadot.js's SignerPayloadJSON: hex strings for numbers
// and bytes.
type payloadJSON struct {
	Address            string   `json:"address"`
	BlockHash          string   `json:"blockHash"`
	Era                string   `json:"era"`
	GenesisHash        string   `json:"genesisHash"`
	Method             string   `json:"method"`
	Nonce              string   `json:"nonce"`
	SpecVersion        string   `json:"specVersion"`
	Tip                string   `json:"tip"`
	TransactionVersion string   `json:"transactionVersion"`
	SignedExtensions   []string `json:"signedExtensions"`
	Version            int      `json:"version"`
	AssetID            any      `json:"assetId"`
	MetadataHash       string   `json:"metadataHash"`
	Mode               int      `json:"mode"`
}

// encodePayload builds the bytes polkadot.js's
// SignerPayload.toRaw().data holds: the call, then every signed
// extension's extra fields, then every extension's additional signed
// fields, each group in the order of signedExtensions. Only the
// extensions of the served runtimes are known; any other is a 400.
func encodePayload(raw json.RawMessage, walletKey []byte) ([]byte, error) {
	var p payloadJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, apierr.BadRequest("payload must be a hex string or a SignerPayloadJSON object")
	}
	if p.Version != 4 {
		return nil, apierr.BadRequest("payload.version must be 4, not %d", p.Version)
	}
	if id, ok := decodeSS58(p.Address); !ok || !bytes.Equal(id, walletKey) {
		return nil, apierr.BadRequest("payload.address is not the wallet's address")
	}
	if len(p.SignedExtensions) == 0 || len(p.SignedExtensions) > 32 {
		return nil, apierr.BadRequest("payload.signedExtensions must list the runtime's signed extensions")
	}
	e := &enc{}
	out := e.bytes("method", p.Method, -1)
	var extra, add []byte
	for _, x := range p.SignedExtensions {
		switch x {
		case "CheckNonZeroSender", "CheckWeight", "PrevalidateAttests", "StorageWeightReclaim", "WeightReclaim", "StoreCallMetadata":
		case "CheckSpecVersion":
			add = binary.LittleEndian.AppendUint32(add, e.u32("specVersion", p.SpecVersion))
		case "CheckTxVersion":
			add = binary.LittleEndian.AppendUint32(add, e.u32("transactionVersion", p.TransactionVersion))
		case "CheckGenesis":
			add = append(add, e.bytes("genesisHash", p.GenesisHash, 32)...)
		case "CheckMortality", "CheckEra":
			extra = append(extra, e.bytes("era", p.Era, -1)...)
			add = append(add, e.bytes("blockHash", p.BlockHash, 32)...)
		case "CheckNonce":
			extra = append(extra, e.compact("nonce", p.Nonce)...)
		case "ChargeTransactionPayment":
			extra = append(extra, e.compact("tip", p.Tip)...)
		case "ChargeAssetTxPayment":
			extra = append(extra, e.compact("tip", p.Tip)...)
			if p.AssetID != nil {
				return nil, apierr.BadRequest("payload.assetId is not supported; pay fees in the native token or send the raw payload")
			}
			extra = append(extra, 0) // assetId: None
		case "CheckMetadataHash":
			if p.Mode != 0 && p.Mode != 1 {
				return nil, apierr.BadRequest("payload.mode must be 0 or 1")
			}
			extra = append(extra, byte(p.Mode))
			if p.Mode == 1 {
				add = append(add, 1)
				add = append(add, e.bytes("metadataHash", p.MetadataHash, 32)...)
			} else {
				add = append(add, 0)
			}
		default:
			return nil, apierr.BadRequest("payload: signed extension %q is not known to Custos; send the raw payload (SignerPayload.toRaw().data) instead", chain.Clip(x))
		}
	}
	if e.err != nil {
		return nil, e.err
	}
	out = append(out, extra...)
	return append(out, add...), nil
}

// enc decodes the hex fields of a payload and keeps the first error.
type enc struct{ err error }

func (e *enc) fail(field, what string) {
	if e.err == nil {
		e.err = apierr.BadRequest("payload.%s must be %s", field, what)
	}
}

// bytes decodes a hex field of exactly n bytes (n < 0: any, non-empty).
func (e *enc) bytes(field, s string, n int) []byte {
	b, err := chain.DecodeHex(field, s)
	if err != nil || len(b) == 0 || (n >= 0 && len(b) != n) || !strings.HasPrefix(s, "0x") {
		what := "0x-prefixed hex"
		if n >= 0 {
			what = "0x-prefixed hex of 32 bytes"
		}
		e.fail(field, what)
		return nil
	}
	return b
}

// number decodes a 0x hex number of at most 128 bits.
func (e *enc) number(field, s string) *big.Int {
	v, ok := new(big.Int).SetString(strings.TrimPrefix(s, "0x"), 16)
	if !strings.HasPrefix(s, "0x") || !ok || v.Sign() < 0 || v.BitLen() > 128 {
		e.fail(field, "a 0x-prefixed hex number")
		return new(big.Int)
	}
	return v
}

func (e *enc) u32(field, s string) uint32 {
	v := e.number(field, s)
	if v.BitLen() > 32 {
		e.fail(field, "a 32-bit number")
		return 0
	}
	return uint32(v.Uint64())
}

// compact is SCALE's compact encoding of an unsigned number.
func (e *enc) compact(field, s string) []byte {
	v := e.number(field, s)
	switch {
	case v.BitLen() <= 6:
		return []byte{byte(v.Uint64() << 2)}
	case v.BitLen() <= 14:
		return binary.LittleEndian.AppendUint16(nil, uint16(v.Uint64()<<2|1))
	case v.BitLen() <= 30:
		return binary.LittleEndian.AppendUint32(nil, uint32(v.Uint64()<<2|2))
	}
	be := v.Bytes()
	le := make([]byte, len(be))
	for i, x := range be {
		le[len(be)-1-i] = x
	}
	return append([]byte{byte((len(le)-4)<<2 | 3)}, le...)
}
