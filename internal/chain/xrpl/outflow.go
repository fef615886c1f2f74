package xrpl

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/big"
	"strings"

	"github.com/btcsuite/btcd/btcutil/base58"

	"github.com/custos-dev/custos/internal/chain"
)

// DecodeOutflows reads the payment of a Transaction request body for the
// policy rules (docs/protocol/policies.md §1.2): a Payment of XRP (drops, 6
// decimals) to its Destination. Other transaction types, and payments of
// issued currencies or MPTs, make the amount or recipient unknown.
func DecodeOutflows(body json.RawMessage) ([]chain.Outflow, error) {
	var in struct {
		Transaction string `json:"transaction"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errors.New("transaction body is not valid")
	}
	tx, err := chain.DecodeHex("transaction", in.Transaction)
	if err != nil {
		return nil, err
	}
	var (
		txType       = -1
		amount, dest []byte
	)
	for off := 0; off < len(tx); {
		t, f, n, err := fieldID(tx[off:])
		if err != nil {
			return nil, err
		}
		if t > 8 {
			break
		}
		body := tx[off+n:]
		size, err := fieldSize(t, body)
		if err != nil {
			return nil, err
		}
		if size > len(body) {
			return nil, errBad("truncated field")
		}
		v := body[:size]
		switch {
		case t == 1 && f == 2: // TransactionType
			txType = int(binary.BigEndian.Uint16(v))
		case t == 6 && f == 1: // Amount
			amount = v
		case t == 8 && f == 3: // Destination (VL 20 bytes)
			dest = v
		}
		off += n + size
	}
	if txType != 0 {
		return nil, errors.New("only a Payment has a recipient and amount Custos can name")
	}
	if len(amount) != 8 || amount[0]&0x80 != 0 || amount[0]&0x20 != 0 {
		return nil, errors.New("a payment of an issued currency or MPT has no amount Custos can price")
	}
	if len(dest) != 21 || dest[0] != 20 {
		return nil, errors.New("the payment has no Destination")
	}
	drops := binary.BigEndian.Uint64(amount) & 0x3fffffffffffffff
	return []chain.Outflow{{To: accountAddress(dest[1:]), Amount: new(big.Int).SetUint64(drops), Decimals: 6}}, nil
}

// fieldSize is the encoded size of a field of type t (types 1 to 8).
func fieldSize(t int, body []byte) (int, error) {
	switch t {
	case 1:
		return 2, nil
	case 2:
		return 4, nil
	case 3:
		return 8, nil
	case 4:
		return 16, nil
	case 5:
		return 32, nil
	case 6:
		switch {
		case len(body) == 0:
			return 0, errBad("truncated amount")
		case body[0]&0x80 != 0:
			return 48, nil
		case body[0]&0x20 != 0:
			return 33, nil
		}
		return 8, nil
	case typeBlob, 8:
		l, ln, err := vlLength(body)
		return ln + l, err
	}
	return 0, errBad("unknown field type")
}

// accountAddress encodes a 20-byte account id as a classic address.
func accountAddress(id []byte) string {
	btc := base58.CheckEncode(id, 0)
	var b strings.Builder
	for i := 0; i < len(btc); i++ {
		b.WriteByte(xrplAlphabet[strings.IndexByte(bitcoinAlphabet, btc[i])])
	}
	return b.String()
}
