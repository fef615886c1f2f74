package evmwallet

import (
	"context"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/policy"
)

// SetEvents makes the service record its webhook events with e (the
// default records none).
func (s *Service) SetEvents(e event.Emitter) { s.events = e }

// emit records the event of r's new status in the unit of work of ctx.
func (s *Service) emit(ctx context.Context, r *Request) error { return EmitStatus(ctx, s.events, r) }

// EventOf is the webhook event of r's status, for every chain family: its
// kind, wallet.transfer.* or wallet.transaction.* (requested while Pending
// or Executing), and its data, {transferRequest} or {transactionRequest}
// (docs/protocol/webhooks.md).
func EventOf(r *Request) (kind string, data map[string]any) {
	kind = "wallet.transaction."
	if r.Transfer {
		kind = "wallet.transfer."
	}
	switch r.Status {
	case StatusExecuting, StatusPending:
		kind += "requested"
	default:
		kind += strings.ToLower(r.Status)
	}
	return kind, map[string]any{viewKey(r): ViewOf(r)}
}

// viewKey is the name r's view goes by in event data and approval
// activities: transferRequest or transactionRequest.
func viewKey(r *Request) string {
	if r.Transfer {
		return "transferRequest"
	}
	return "transactionRequest"
}

// Activity is what an approval holding r shows: {kind: "Wallets:Sign",
// transferRequest | transactionRequest} (docs/protocol/policies.md §2).
func Activity(r *Request) map[string]any {
	return map[string]any{"kind": policy.KindWalletsSign, viewKey(r): ViewOf(r)}
}

// outflows is what pl pays, for the policy rules (docs/protocol/policies.md
// §1.2): its transaction read as a signature request's is (a native
// transfer, or an ERC-20 transfer call whose asset is the contract), or
// for an Erc721 transfer one token of the contract to the recipient.
func outflows(chainID int64, pl *plan) func() ([]chain.Outflow, error) {
	return func() ([]chain.Outflow, error) {
		if pl.kind == "Erc721" {
			return []chain.Outflow{{To: pl.recipient, Amount: big.NewInt(1), Asset: pl.to.Hex(), Decimals: 0}}, nil
		}
		tx := pl.prebuilt
		if tx == nil {
			tx = types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(chainID), To: pl.to, Value: pl.value, Data: pl.data})
		}
		o, err := evm.TxOutflow(tx)
		if err != nil {
			return nil, err
		}
		return []chain.Outflow{o}, nil
	}
}
