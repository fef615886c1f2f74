package solwallet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/chain/solana"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wallet"
)

// Errors of sendTransaction after which the node has sent nothing on: its
// preflight simulation failed, or a signature does not verify.
const (
	codePreflightFailure = -32002
	codeSigVerifyFailure = -32003
)

// errAborted rolls back the signing of a request that is no longer
// Executing (an abort failed it before its signed form was stored).
var errAborted = errors.New("solwallet: aborted before it was signed")

// newRequest is a request of w as p asks it.
func (s *Service) newRequest(p *principal.Principal, w *wallet.Wallet, transfer bool, body []byte, ext string) *evmwallet.Request {
	prefix := "tx"
	if transfer {
		prefix = "xfr"
	}
	now := s.now()
	return &evmwallet.Request{ID: id.New(prefix), OrgID: p.OrgID, WalletID: w.ID, Network: w.Network, Transfer: transfer,
		Requester: evmwallet.Requester{UserID: p.UserID, TokenID: p.TokenID, AppID: p.AppID}, Body: body,
		ExternalID: ext, Status: evmwallet.StatusExecuting, Sender: w.Address, Nonce: -1, Decimals: -1,
		Requested: now, PolicyResolved: now}
}

// evaluate runs the policy step for r, whose unsigned transaction the
// rules read (outflows, when set, says what a transfer pays instead).
func (s *Service) evaluate(ctx context.Context, p *principal.Principal, w *wallet.Wallet, r *evmwallet.Request,
	outflows func() ([]chain.Outflow, error)) (policy.Decision, error) {
	body, _ := json.Marshal(map[string]string{"transaction": r.Unsigned})
	d, err := s.policy.Evaluate(ctx, policy.Activity{Kind: policy.KindWalletsSign, Principal: p, KeyID: w.KeyID,
		WalletID: w.ID, WalletTags: w.Tags, Network: w.Network, RequestKind: solana.KindTransaction, Body: body,
		Key: chainKey(w), Outflows: outflows, RequestID: r.ID})
	if err != nil {
		return policy.Decision{}, fmt.Errorf("evaluate policies: %w", err)
	}
	return d, nil
}

// store1 stores r as the policy decided, in one unit of work with the
// consumption of act, then executes it when it may run.
func (s *Service) store1(ctx context.Context, act store.Consumer, w *wallet.Wallet, r *evmwallet.Request, d policy.Decision) (evmwallet.View, error) {
	sub := evmwallet.Submitter{Store: s.store, Emit: s.emit, Execute: s.execute, Logger: s.logger, Family: "solana"}
	return sub.Submit(ctx, act, w, r, d, nil)
}

// execute signs r (unless its signed transaction is stored), stores the
// signed transaction, sends it and marks r Broadcasted. A transfer whose
// blockhash expired before it was signed gets a fresh one first (nothing
// was signed, so nothing can land). A node that refuses a transaction
// signed in this call (its preflight failed: it was never sent before)
// fails r; any other failure leaves r Executing for the worker. The signed
// transaction is stored only while r is Executing: a request aborted
// before that is never sent.
func (s *Service) execute(ctx context.Context, r *evmwallet.Request, keyID string) error {
	n := s.nodes[r.Network]
	if n == nil {
		return jsonrpc.NoNode(r.Network)
	}
	signedNow := false
	if r.Signed == "" {
		raw, err := hex.DecodeString(r.Unsigned)
		if err != nil {
			return fmt.Errorf("request %s: unsigned transaction: %w", r.ID, err)
		}
		tx, err := decodeTx(raw)
		if err != nil {
			return fmt.Errorf("request %s: unsigned transaction: %w", r.ID, err)
		}
		valid, err := n.blockhashValid(ctx, tx.Message.RecentBlockhash)
		if err != nil {
			return jsonrpc.NodeError(n.Network, err)
		}
		// The newest blockhash's last valid height bounds the
		// transaction's own (its blockhash is that one or older).
		newest, validUntil, err := n.latestBlockhash(ctx)
		if err != nil {
			return jsonrpc.NodeError(n.Network, err)
		}
		if !valid {
			if !r.Transfer {
				return s.fail(ctx, r, "the transaction's blockhash expired before it was signed", errors.New("blockhash expired"))
			}
			if raw, err = withBlockhash(raw, newest); err != nil {
				return fmt.Errorf("request %s: refresh blockhash: %w", r.ID, err)
			}
		}
		key, signer, err := s.signers.ChainSigner(ctx, r.OrgID, keyID)
		if err != nil {
			return s.fail(ctx, r, "the wallet's key cannot sign", err)
		}
		body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(raw)})
		res, err := solana.Adapter{}.Sign(ctx, r.Network, key, signer, chain.Request{Kind: solana.KindTransaction, Body: body})
		if err != nil {
			return s.fail(ctx, r, "the transaction cannot be signed", err)
		}
		signed := strings.TrimPrefix(res.SignedData, "0x")
		stx, err := decodeSigned(signed)
		if err != nil {
			return fmt.Errorf("request %s: read signed transaction: %w", r.ID, err)
		}
		// The signed transaction is stored before it is sent: whatever
		// happens next, it is the one sent (again) and looked for.
		hash := stx.Signatures[0].String()
		err = s.store.Tx(ctx, func(ctx context.Context) error {
			if r.Signed, r.TxHash, err = s.store.SetEVMSigned(ctx, r.ID, signed, hash); err != nil {
				return err
			}
			if r.Signed == "" {
				return errAborted
			}
			return s.store.SetSolValidUntil(ctx, r.ID, int64(validUntil))
		})
		if errors.Is(err, errAborted) {
			// Aborted before it was signed (docs/protocol/evm-transfers.md
			// §4b): nothing is stored signed, and nothing is sent.
			return s.reload(ctx, r)
		}
		if err != nil {
			return err
		}
		signedNow = r.TxHash == hash
	}
	if err := s.send(ctx, n, r, signedNow); err != nil {
		return err
	}
	if r.Status == evmwallet.StatusExecuting {
		if err := s.markBroadcasted(ctx, r); err != nil {
			return err
		}
	}
	select {
	case s.poke <- struct{}{}:
	default:
	}
	return nil
}

// markBroadcasted moves r from Executing to Broadcasted.
func (s *Service) markBroadcasted(ctx context.Context, r *evmwallet.Request) error {
	return evmwallet.MarkBroadcasted(ctx, s.store, s.events, r, s.now())
}

// decodeSigned decodes a stored signed transaction (hex).
func decodeSigned(signed string) (*sol.Transaction, error) {
	raw, err := hex.DecodeString(signed)
	if err != nil {
		return nil, err
	}
	tx, err := decodeTx(raw)
	if err != nil {
		return nil, err
	}
	if len(tx.Signatures) == 0 {
		return nil, errors.New("no signature")
	}
	return tx, nil
}

// send sends r's signed transaction. Sending it again is harmless: Solana
// runs a signature once, and when the node answers with an error the
// signature is looked up; a node that has it counts as a success. Only a
// transaction signed in this call (first) whose preflight the node refused
// fails r: one sent before may still land, and is left to the follower
// (which fails it once its blockhash expired without it landing).
func (s *Service) send(ctx context.Context, n *Node, r *evmwallet.Request, first bool) error {
	raw, err := hex.DecodeString(r.Signed)
	if err != nil {
		return fmt.Errorf("request %s: signed transaction: %w", r.ID, err)
	}
	_, err = n.send(ctx, raw)
	if err == nil {
		return nil
	}
	var re *jsonrpc.Error
	if !errors.As(err, &re) {
		return jsonrpc.NodeError(n.Network, err)
	}
	st, lerr := n.statuses(ctx, []string{r.TxHash})
	if lerr != nil {
		return jsonrpc.NodeError(n.Network, lerr)
	}
	if st[0] != nil {
		return nil
	}
	if first && (re.Code == codePreflightFailure || re.Code == codeSigVerifyFailure) {
		return s.fail(ctx, r, "the node refused the transaction: "+clipN(re.Message, 300), err)
	}
	return jsonrpc.NodeError(n.Network, err)
}

// fail marks r Failed with reason and returns err.
func (s *Service) fail(ctx context.Context, r *evmwallet.Request, reason string, err error) error {
	return evmwallet.Fail(ctx, s.store, s.events, r, reason, err, nil)
}

// reload replaces r with its stored state.
func (s *Service) reload(ctx context.Context, r *evmwallet.Request) error {
	cur, err := s.store.EVMRequest(ctx, r.OrgID, r.ID)
	if err != nil {
		return err
	}
	*r = *cur
	return nil
}
