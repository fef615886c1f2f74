package btcwallet

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcutil/psbt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
	"github.com/custos-dev/custos/internal/wallet"
)

// Service serves transfers, transactions, assets and history of
// Bitcoin-family wallets, and runs the follower (Run).
type Service struct {
	store      Store
	wallets    evmwallet.Wallets
	walletRows evmwallet.WalletStore
	signers    evmwallet.Signers
	policy     policy.Evaluator
	nodes      map[string]*Node
	logger     *slog.Logger
	events     event.Emitter
	now        func() time.Time
	poke       chan struct{}
	holder     string
	// resumeAfter is how old an Executing request must be before the
	// worker takes it over from the request that stored it.
	resumeAfter time.Duration
}

// New returns the service. nodes maps networks to their nodes (Dial).
func New(st Store, ws evmwallet.Wallets, rows evmwallet.WalletStore, signers evmwallet.Signers, pol policy.Evaluator,
	nodes map[string]*Node, logger *slog.Logger) *Service {
	if pol == nil {
		pol = policy.AllowAll{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: st, wallets: ws, walletRows: rows, signers: signers, policy: pol, nodes: nodes, logger: logger,
		events: event.Nop{}, now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
		poke: make(chan struct{}, 1), holder: id.New("srv"), resumeAfter: resumeAfter}
}

// SetHolder makes the service hold its followers' leases as holder (the
// replica's id, kept across restarts, so that a restarted server takes
// its leases back at once; the default is a fresh id).
func (s *Service) SetHolder(holder string) { s.holder = holder }

// SetEvents makes the service record its webhook events with e.
func (s *Service) SetEvents(e event.Emitter) { s.events = e }

// Networks lists the networks that have a node.
func (s *Service) Networks() []string { return evmwallet.NetworksOf(s.nodes) }

// emit records the event of r's new status in the unit of work of ctx.
func (s *Service) emit(ctx context.Context, r *evmwallet.Request) error {
	return evmwallet.EmitStatus(ctx, s.events, r)
}

// node returns the node of network, or the 400 naming the missing --rpc.
func (s *Service) node(network string) (*Node, error) { return jsonrpc.NodeOf(s.nodes, network) }

// btcWallet loads walletID: a 400 when it is not on a Bitcoin-family
// network.
func (s *Service) btcWallet(ctx context.Context, p *principal.Principal, walletID string) (*wallet.Wallet, error) {
	return evmwallet.FamilyWallet(ctx, s.wallets, p, walletID, IsNetwork, "Bitcoin-family")
}

// transferBody is the body of POST /wallets/{walletId}/transfers
// (docs/protocol/keys-wallets.md §5) as Bitcoin-family wallets take it.
type transferBody struct {
	Kind         string          `json:"kind"`
	To           *string         `json:"to"`
	Amount       *string         `json:"amount"`
	Priority     *string         `json:"priority"`
	ExternalID   *string         `json:"externalId"`
	Memo         *string         `json:"memo"`
	FeeSponsorID *string         `json:"feeSponsorId"`
	TravelRule   json.RawMessage `json:"travelRule"`
}

// transactionBody is the body of POST /wallets/{walletId}/transactions.
type transactionBody struct {
	Kind       string  `json:"kind"`
	Psbt       *string `json:"psbt"`
	ExternalID *string `json:"externalId"`
}

// decode unmarshals a request body, or returns a 400.
func decode(body []byte, v any) error { return evmwallet.DecodeBody(body, v, clip) }

// Transfer serves POST /wallets/{walletId}/transfers.
func (s *Service) Transfer(ctx context.Context, p *principal.Principal, act store.Consumer, walletID string, body []byte) (evmwallet.View, error) {
	w, err := s.btcWallet(ctx, p, walletID)
	if err != nil {
		return evmwallet.View{}, err
	}
	in, err := checkTransfer(w.Network, body)
	if err != nil {
		return evmwallet.View{}, err
	}
	n, err := s.node(w.Network)
	if err != nil {
		return evmwallet.View{}, err
	}
	return s.transfer(ctx, p, act, w, n, body, in)
}

// transferInput is a checked Native transfer.
type transferInput struct {
	ext      string
	amount   int64
	toScript []byte
	priority string
}

// checkTransfer checks the body of a transfer of a wallet on network
// (docs/protocol/btc-transfers.md §2): a 400 naming the field.
func checkTransfer(network string, body []byte) (*transferInput, error) {
	var in transferBody
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Kind == "":
		return nil, apierr.BadRequest("kind is required")
	case in.Kind != "Native":
		return nil, apierr.BadRequest("transfer kind %q is not supported on %s (Native)", clip(in.Kind), network)
	case in.FeeSponsorID != nil:
		return nil, apierr.BadRequest("feeSponsorId is not supported: Custos has no fee sponsors")
	case in.Memo != nil && *in.Memo != "":
		return nil, apierr.BadRequest("memo is not supported on %s", network)
	}
	if err := validate.OptExternalID("externalId", in.ExternalID); err != nil {
		return nil, err
	}
	out := &transferInput{ext: extID(in.ExternalID), priority: "Standard"}
	if in.Priority != nil {
		if _, ok := targets[*in.Priority]; !ok {
			return nil, apierr.BadRequest("priority must be Slow, Standard or Fast")
		}
		out.priority = *in.Priority
	}
	to := ""
	if in.To != nil {
		to = *in.To
	}
	var err error
	if _, out.toScript, err = parseRecipient(network, "to", to); err != nil {
		return nil, err
	}
	if out.amount, err = parseSats(network, "amount", in.Amount); err != nil {
		return nil, err
	}
	if out.amount < dustLimit(out.toScript) {
		return nil, apierr.BadRequest("amount %d is below the dust limit of %d satoshis for this recipient", out.amount, dustLimit(out.toScript))
	}
	return out, nil
}

// Transaction serves POST /wallets/{walletId}/transactions.
func (s *Service) Transaction(ctx context.Context, p *principal.Principal, act store.Consumer, walletID string, body []byte) (evmwallet.View, error) {
	w, err := s.btcWallet(ctx, p, walletID)
	if err != nil {
		return evmwallet.View{}, err
	}
	ext, p2, err := checkTransaction(w, body)
	if err != nil {
		return evmwallet.View{}, err
	}
	if _, err := s.node(w.Network); err != nil {
		return evmwallet.View{}, err
	}
	return s.transaction(ctx, p, act, w, body, ext, p2)
}

// checkTransaction checks the body of a transaction of w and returns its
// externalId and PSBT: a 400 naming the field.
func checkTransaction(w *wallet.Wallet, body []byte) (string, *psbt.Packet, error) {
	var in transactionBody
	if err := decode(body, &in); err != nil {
		return "", nil, err
	}
	switch {
	case in.Kind == "":
		return "", nil, apierr.BadRequest("kind is required")
	case in.Kind != "Psbt":
		return "", nil, apierr.BadRequest("transaction kind %q is not supported on %s (Psbt)", clip(in.Kind), w.Network)
	case in.Psbt == nil || *in.Psbt == "":
		return "", nil, apierr.BadRequest("psbt is required")
	}
	if err := validate.OptExternalID("externalId", in.ExternalID); err != nil {
		return "", nil, err
	}
	pkt, err := checkPsbt(w, *in.Psbt)
	return extID(in.ExternalID), pkt, err
}

func extID(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// chainKey is the public side of a wallet's key.
func chainKey(w *wallet.Wallet) chain.Key {
	return chain.Key{Scheme: w.Key.Scheme, Curve: w.Key.Curve, PublicKey: w.Key.PublicKey}
}

// evaluate runs the policy step for a request whose transaction is the
// PSBT psbtHex: the rules see its outputs that do not pay the wallet.
func (s *Service) evaluate(ctx context.Context, p *principal.Principal, w *wallet.Wallet, reqID, psbtHex string) (policy.Decision, error) {
	body, _ := json.Marshal(map[string]string{"psbt": psbtHex})
	d, err := s.policy.Evaluate(ctx, policy.Activity{Kind: policy.KindWalletsSign, Principal: p, KeyID: w.KeyID,
		WalletID: w.ID, WalletTags: w.Tags, Network: w.Network, RequestKind: "Psbt", Body: body, Key: chainKey(w), RequestID: reqID})
	if err != nil {
		return policy.Decision{}, fmt.Errorf("evaluate policies: %w", err)
	}
	return d, nil
}

// newRequest is a request of w as p asks it.
func (s *Service) newRequest(p *principal.Principal, w *wallet.Wallet, transfer bool, body []byte, ext string) *evmwallet.Request {
	prefix := "tx"
	if transfer {
		prefix = "xfr"
	}
	now := s.now()
	r := &evmwallet.Request{ID: id.New(prefix), OrgID: p.OrgID, WalletID: w.ID, Network: w.Network, Transfer: transfer,
		Requester: evmwallet.Requester{UserID: p.UserID, TokenID: p.TokenID, AppID: p.AppID}, Body: body,
		ExternalID: ext, Status: evmwallet.StatusExecuting, Sender: w.Address, Nonce: -1, Decimals: -1,
		Requested: now, PolicyResolved: now}
	if transfer {
		r.Symbol, r.Decimals = nativeSymbol(w.Network), 8
	}
	return r
}

// nativeSymbol is the coin of a network.
func nativeSymbol(network string) string {
	if strings.HasPrefix(network, "Litecoin") {
		return "LTC"
	}
	return "BTC"
}

func clip(s string) string { return clipN(s, 40) }

// clipN is s cut to at most n bytes (at a rune boundary).
func clipN(s string, n int) string { return evmwallet.ClipN(s, n) }
