package solwallet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
	"github.com/custos-dev/custos/internal/wallet"
)

// transferBody is the body of POST /wallets/{walletId}/transfers
// (docs/protocol/keys-wallets.md §5) as Solana wallets take it.
type transferBody struct {
	Kind                     string          `json:"kind"`
	To                       *string         `json:"to"`
	Amount                   *string         `json:"amount"`
	Mint                     *string         `json:"mint"`
	Memo                     *string         `json:"memo"`
	Priority                 *string         `json:"priority"`
	CreateDestinationAccount *bool           `json:"createDestinationAccount"`
	UseDurableNonce          *bool           `json:"useDurableNonce"`
	ExternalID               *string         `json:"externalId"`
	FeeSponsorID             *string         `json:"feeSponsorId"`
	Offer                    json.RawMessage `json:"offer"`
	TravelRule               json.RawMessage `json:"travelRule"`
}

// transactionBody is the body of POST /wallets/{walletId}/transactions.
type transactionBody struct {
	Kind        string  `json:"kind"`
	Transaction *string `json:"transaction"`
	ExternalID  *string `json:"externalId"`
}

// decode unmarshals a request body, or returns a 400.
func decode(body []byte, v any) error { return evmwallet.DecodeBody(body, v, clip) }

// parseAddress decodes field as a Solana address (base58 of 32 bytes).
func parseAddress(field string, v *string) (sol.PublicKey, error) {
	if v == nil || *v == "" {
		return sol.PublicKey{}, apierr.BadRequest("%s is required", field)
	}
	k, err := sol.PublicKeyFromBase58(*v)
	if err != nil || len(*v) > 44 {
		return sol.PublicKey{}, apierr.BadRequest("%s is not a Solana address (base58 of 32 bytes)", field)
	}
	return k, nil
}

// parseAmount decodes field as a positive whole number of the smallest
// unit that fits in 64 bits.
func parseAmount(field string, v *string) (uint64, error) {
	if v == nil {
		return 0, apierr.BadRequest("%s is required", field)
	}
	s := *v
	if s == "" || len(s) > 20 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, apierr.BadRequest("%s must be a decimal string of whole units (e.g. \"1000000\")", field)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, apierr.BadRequest("%s is more than a Solana amount can be (2^64 - 1)", field)
	}
	if n == 0 {
		return 0, apierr.BadRequest("%s must be positive", field)
	}
	return n, nil
}

// Transfer serves POST /wallets/{walletId}/transfers.
func (s *Service) Transfer(ctx context.Context, p *principal.Principal, act store.Consumer, walletID string, body []byte) (evmwallet.View, error) {
	w, err := s.solWallet(ctx, p, walletID)
	if err != nil {
		return evmwallet.View{}, err
	}
	var in transferBody
	if err := decode(body, &in); err != nil {
		return evmwallet.View{}, err
	}
	switch {
	case in.Kind == "":
		return evmwallet.View{}, apierr.BadRequest("kind is required")
	case in.Kind != "Native" && in.Kind != "Spl" && in.Kind != "Spl2022":
		return evmwallet.View{}, apierr.BadRequest("transfer kind %q is not supported on %s (Native, Spl, Spl2022)", clip(in.Kind), w.Network)
	case in.FeeSponsorID != nil:
		return evmwallet.View{}, apierr.BadRequest("feeSponsorId is not supported: Custos has no fee sponsors")
	case in.UseDurableNonce != nil && *in.UseDurableNonce:
		return evmwallet.View{}, apierr.BadRequest("useDurableNonce is not supported: Custos keeps no nonce accounts")
	case len(in.Offer) > 0 && string(in.Offer) != "null" && string(in.Offer) != "false":
		return evmwallet.View{}, apierr.BadRequest("offer is not supported on %s", w.Network)
	case in.Memo != nil && len(*in.Memo) > maxMemoLength:
		return evmwallet.View{}, apierr.BadRequest("memo is longer than %d bytes", maxMemoLength)
	case in.Kind != "Native" && in.Priority != nil:
		return evmwallet.View{}, apierr.BadRequest("priority applies to Native transfers only")
	}
	if err := validate.OptExternalID("externalId", in.ExternalID); err != nil {
		return evmwallet.View{}, err
	}
	priority := "Standard"
	if in.Priority != nil {
		if _, ok := percentiles[*in.Priority]; !ok {
			return evmwallet.View{}, apierr.BadRequest("priority must be Slow, Standard or Fast")
		}
		priority = *in.Priority
	}
	to, err := parseAddress("to", in.To)
	if err != nil {
		return evmwallet.View{}, err
	}
	amount, err := parseAmount("amount", in.Amount)
	if err != nil {
		return evmwallet.View{}, err
	}
	var mint sol.PublicKey
	if in.Kind != "Native" {
		if mint, err = parseAddress("mint", in.Mint); err != nil {
			return evmwallet.View{}, err
		}
	} else if in.Mint != nil {
		return evmwallet.View{}, apierr.BadRequest("mint applies to Spl and Spl2022 transfers only")
	}
	n, err := s.node(w.Network)
	if err != nil {
		return evmwallet.View{}, err
	}
	ext := extID(in.ExternalID)
	compact, v, done, err := evmwallet.Replayed(ctx, s.store, p.OrgID, w.ID, true, ext, body)
	if done {
		return v, err
	}
	r := s.newRequest(p, w, true, compact, ext)
	pl := plan{w: w, n: n, kind: in.Kind, to: to, amount: amount, mint: mint, priority: priority,
		create: in.CreateDestinationAccount != nil && *in.CreateDestinationAccount, id: r.ID}
	if in.Memo != nil {
		pl.memo = *in.Memo
	}
	if err := s.build(ctx, &pl); err != nil {
		return evmwallet.View{}, err
	}
	r.Unsigned = hex.EncodeToString(pl.unsigned)
	if in.Kind == "Native" {
		r.Symbol, r.Decimals = nativeSymbol(w.Network), 9
	} else {
		r.Symbol, r.Decimals = knownSymbol(w.Network, mint), pl.decimals
	}
	outflows := func() ([]chain.Outflow, error) {
		o := chain.Outflow{To: to.String(), Amount: new(big.Int).SetUint64(amount), Decimals: 9}
		if in.Kind != "Native" {
			o.Asset, o.Decimals = mint.String(), pl.decimals
		}
		return []chain.Outflow{o}, nil
	}
	d, err := s.evaluate(ctx, p, w, r, outflows)
	if err != nil {
		return evmwallet.View{}, err
	}
	return s.store1(ctx, act, w, r, d)
}

// Transaction serves POST /wallets/{walletId}/transactions: a serialized
// transaction (hex) the wallet is a required signer of, signed by the
// wallet and sent as it is.
func (s *Service) Transaction(ctx context.Context, p *principal.Principal, act store.Consumer, walletID string, body []byte) (evmwallet.View, error) {
	w, err := s.solWallet(ctx, p, walletID)
	if err != nil {
		return evmwallet.View{}, err
	}
	var in transactionBody
	if err := decode(body, &in); err != nil {
		return evmwallet.View{}, err
	}
	switch {
	case in.Kind == "":
		return evmwallet.View{}, apierr.BadRequest("kind is required")
	case in.Kind != "Transaction":
		return evmwallet.View{}, apierr.BadRequest("transaction kind %q is not supported on %s (Transaction)", clip(in.Kind), w.Network)
	case in.Transaction == nil || *in.Transaction == "":
		return evmwallet.View{}, apierr.BadRequest("transaction is required")
	}
	if err := validate.OptExternalID("externalId", in.ExternalID); err != nil {
		return evmwallet.View{}, err
	}
	raw, err := checkTransaction(w, *in.Transaction)
	if err != nil {
		return evmwallet.View{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return evmwallet.View{}, err
	}
	ext := extID(in.ExternalID)
	compact, v, done, err := evmwallet.Replayed(ctx, s.store, p.OrgID, w.ID, false, ext, body)
	if done {
		return v, err
	}
	r := s.newRequest(p, w, false, compact, ext)
	r.Unsigned = hex.EncodeToString(raw)
	d, err := s.evaluate(ctx, p, w, r, nil)
	if err != nil {
		return evmwallet.View{}, err
	}
	return s.store1(ctx, act, w, r, d)
}

// checkTransaction decodes the hex transaction of a Transaction request:
// a 400 naming transaction when it does not decode, when the wallet is
// not one of its required signers, or when another required signer has
// not signed it yet (the node would refuse it).
func checkTransaction(w *wallet.Wallet, v string) ([]byte, error) {
	v = strings.TrimPrefix(v, "0x")
	if len(v) > 2*maxTxSize {
		return nil, apierr.BadRequest("transaction is more than Solana's %d bytes", maxTxSize)
	}
	raw, err := hex.DecodeString(v)
	if err != nil {
		return nil, apierr.BadRequest("transaction must be hex")
	}
	tx, err := decodeTx(raw)
	if err != nil {
		return nil, apierr.BadRequest("transaction does not decode as a Solana transaction: %s", clipN(err.Error(), 200))
	}
	me := sol.PublicKeyFromBytes(w.Key.PublicKey)
	signers := int(tx.Message.Header.NumRequiredSignatures)
	if signers > len(tx.Message.AccountKeys) {
		return nil, apierr.BadRequest("transaction requires more signers than it lists accounts")
	}
	mine := false
	for _, k := range tx.Message.AccountKeys[:signers] {
		mine = mine || k.Equals(me)
	}
	if !mine {
		return nil, apierr.BadRequest("transaction: the wallet %s is not a required signer", w.Address)
	}
	for i, k := range tx.Message.AccountKeys[:signers] {
		if !k.Equals(me) && tx.Signatures[i].IsZero() {
			return nil, apierr.BadRequest("transaction needs the signature of %s, which it does not carry", k)
		}
	}
	return raw, nil
}

func extID(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}
