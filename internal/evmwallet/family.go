package evmwallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wallet"
)

// This file holds what the other chain families that keep their requests
// as Request rows (Bitcoin, Solana) share with this package.

// ExternalIDs finds a request by the externalId its org gave it.
type ExternalIDs interface {
	EVMRequestByExternalID(ctx context.Context, org string, transfer bool, ext string) (*Request, error)
}

// Replay answers a request whose externalId org already used for the same
// kind: the same wallet and body get the stored request back, anything
// else is a 409. done is false when ext is unused.
func Replay(ctx context.Context, st ExternalIDs, org, walletID string, transfer bool, ext string, body []byte) (View, bool, error) {
	prev, err := st.EVMRequestByExternalID(ctx, org, transfer, ext)
	if IsNotFound(err) {
		return View{}, false, nil
	}
	if err != nil {
		return View{}, true, err
	}
	if prev.WalletID != walletID || !sameJSON(prev.Body, body) {
		return View{}, true, apierr.Conflict("Conflicting request with same externalId").
			WithDetails(map[string]any{"duplicate": map[string]any{"id": prev.ID, "externalId": ext}})
	}
	return ViewOf(prev), true, nil
}

// IsNotFound reports whether err is a 404 API error.
func IsNotFound(err error) bool {
	var ae *apierr.Error
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// CompactJSON is body without insignificant whitespace (a 400 when body is
// not JSON).
func CompactJSON(body []byte) ([]byte, error) { return compactJSON(body) }

// RequestStore is what Submitter needs of the store.
type RequestStore interface {
	store.Unit
	ExternalIDs
	CreateEVMRequest(ctx context.Context, r *Request) error
}

// Submitter stores a family's new requests as the policy decided and
// executes those that may run.
type Submitter struct {
	Store   RequestStore
	Emit    func(ctx context.Context, r *Request) error
	Execute func(ctx context.Context, r *Request, keyID string) error
	Logger  *slog.Logger
	Family  string // names the family in the log line of a request left for the worker
}

// Submit stores r as d decided, in one unit of work with the consumption of
// act: d's commit, then prepare (which may be nil), then r and its event.
// A reused externalId answers as Replay does. A request that may run is
// then executed; one that fails to is stored and left for the worker.
func (s Submitter) Submit(ctx context.Context, act store.Consumer, w *wallet.Wallet, r *Request, d policy.Decision,
	prepare func(ctx context.Context) error) (View, error) {
	switch d.Outcome {
	case policy.Pending:
		r.Status, r.ApprovalID = StatusPending, d.ApprovalID
	case policy.Deny:
		r.Status, r.Reason = StatusRejected, d.Reason
	}
	prefix := "tx"
	if r.Transfer {
		prefix = "xfr"
	}
	err := store.Run(context.WithoutCancel(ctx), s.Store, act, func(ctx context.Context) error {
		if d.Commit != nil {
			if err := d.Commit(ctx, map[string]any{"kind": prefix, "id": r.ID, "walletId": w.ID, "body": json.RawMessage(r.Body)}); err != nil {
				return err
			}
		}
		if prepare != nil {
			if err := prepare(ctx); err != nil {
				return err
			}
		}
		if err := s.Store.CreateEVMRequest(ctx, r); err != nil {
			return err
		}
		return s.Emit(ctx, r)
	})
	if errors.Is(err, ErrDuplicateExternalID) {
		v, _, err := Replay(ctx, s.Store, r.OrgID, w.ID, r.Transfer, r.ExternalID, r.Body)
		return v, err
	}
	if err != nil {
		return View{}, err
	}
	if r.Status == StatusExecuting {
		if err := s.Execute(context.WithoutCancel(ctx), r, w.KeyID); err != nil {
			// Stored and not lost: the worker retries it.
			s.Logger.Warn(s.Family+" request left for the worker", "request", r.ID, "error", err.Error())
		}
	}
	return ViewOf(r), nil
}

// CheckFilter checks f's direction (In, Out or none) and its kind (none or
// one of kinds: badKind is the error for another).
func (f HistoryFilter) CheckFilter(kinds []string, badKind func() error) error {
	switch f.Direction {
	case "", "In", "Out":
	default:
		return apierr.BadRequest("direction must be In or Out")
	}
	if f.Kind != "" && !slices.Contains(kinds, f.Kind) {
		return badKind()
	}
	return nil
}

// EventReader reads a wallet's recorded events.
type EventReader interface {
	EVMEvents(ctx context.Context, org, walletID string, f HistoryFilter, p identity.Page) ([]*Event, string, error)
}

// Events reads one page of the events of walletID matching f, newest first, each
// turned into its wire view by view, and the token of the next page.
func Events[V any](ctx context.Context, st EventReader, org, walletID string, f HistoryFilter, pg identity.Page, view func(*Event) V) ([]V, string, error) {
	es, next, err := st.EVMEvents(ctx, org, walletID, f, pg)
	if err != nil {
		return nil, "", err
	}
	items := make([]V, 0, len(es))
	for _, e := range es {
		items = append(items, view(e))
	}
	return items, next, nil
}

// NetworksOf lists the networks that have a node in nodes.
func NetworksOf[N any](nodes map[string]N) []string {
	out := make([]string, 0, len(nodes))
	for n := range nodes {
		out = append(out, n)
	}
	return out
}

// EmitStatus records with e the event of r's new status in the unit of
// work of ctx.
func EmitStatus(ctx context.Context, e event.Emitter, r *Request) error {
	kind, data := EventOf(r)
	return e.Emit(ctx, r.OrgID, kind, data)
}

// FamilyWallet loads walletID with ws: a 400 saying it is not on a family
// network (family names them) when isNetwork refuses its network.
func FamilyWallet(ctx context.Context, ws Wallets, p *principal.Principal, walletID string, isNetwork func(string) bool, family string) (*wallet.Wallet, error) {
	w, err := ws.Load(ctx, p, walletID)
	if err != nil {
		return nil, err
	}
	if !isNetwork(w.Network) {
		return nil, apierr.BadRequest("wallet %s is not on a %s network", w.ID, family)
	}
	return w, nil
}

// DecodeBody unmarshals a request body into v, or returns a 400 naming the
// field of the wrong type (cut by clip).
func DecodeBody(body []byte, v any, clip func(string) string) error {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return apierr.BadRequest("%s has the wrong type (want %s)", clip(te.Field), te.Type)
		}
		return apierr.BadRequest("request body must be a JSON object").Wrap(err)
	}
	return nil
}

// ClipN is s cut to at most n bytes (at a rune boundary), with "…" when
// cut.
func ClipN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// EmitBlock records, in the unit of work of ctx, what a block read
// changes: a wallet.blockchainevent.detected event for each of events,
// whose data is {blockchainEvent: view of it} for every family
// (docs/protocol/webhooks.md), and the new status of each request it
// settled (settled[i] is the request of finals[i]; it is left unchanged).
func EmitBlock(ctx context.Context, e event.Emitter, events []*Event, view func(*Event) any, settled []*Request, finals []Final) error {
	for _, ev := range events {
		if err := e.Emit(ctx, ev.OrgID, "wallet.blockchainevent.detected", map[string]any{"blockchainEvent": view(ev)}); err != nil {
			return err
		}
	}
	for i, fin := range finals {
		r := *settled[i]
		r.Status, r.Reason, r.Fee, r.Block, r.Confirmed = fin.Status, fin.Reason, fin.Fee, fin.Block, fin.At
		if err := EmitStatus(ctx, e, &r); err != nil {
			return err
		}
	}
	return nil
}

// Broadcaster is what MarkBroadcasted needs of the store.
type Broadcaster interface {
	store.Unit
	MarkEVMBroadcasted(ctx context.Context, id string, at time.Time) error
}

// MarkBroadcasted moves the Executing request r to Broadcasted at at, with
// its event, in one unit of work; r follows once it is stored.
func MarkBroadcasted(ctx context.Context, st Broadcaster, e event.Emitter, r *Request, at time.Time) error {
	if err := st.Tx(ctx, func(ctx context.Context) error {
		if err := st.MarkEVMBroadcasted(ctx, r.ID, at); err != nil {
			return err
		}
		b := *r
		b.Status, b.Broadcasted = StatusBroadcasted, at
		return EmitStatus(ctx, e, &b)
	}); err != nil {
		return err
	}
	r.Status, r.Broadcasted = StatusBroadcasted, at
	return nil
}

// Replayed compacts body and, when ext is an externalId org used before
// for the same kind, answers as Replay does: done is true when v and err
// are the answer (a body that is not JSON is a 400).
func Replayed(ctx context.Context, st ExternalIDs, org, walletID string, transfer bool, ext string, body []byte) (compact []byte, v View, done bool, err error) {
	compact, err = compactJSON(body)
	if err != nil {
		return nil, View{}, true, err
	}
	if ext != "" {
		v, done, err = Replay(ctx, st, org, walletID, transfer, ext, compact)
	}
	return compact, v, done, err
}

// Failer is what Fail needs of the store.
type Failer interface {
	store.Unit
	MarkEVMFailed(ctx context.Context, id, reason string) error
}

// Fail marks r Failed with reason, with its event, in one unit of work
// that first runs before (nil: nothing), and returns err wrapped.
func Fail(ctx context.Context, st Failer, e event.Emitter, r *Request, reason string, err error, before func(ctx context.Context) error) error {
	if ferr := st.Tx(ctx, func(ctx context.Context) error {
		if before != nil {
			if err := before(ctx); err != nil {
				return err
			}
		}
		if err := st.MarkEVMFailed(ctx, r.ID, reason); err != nil {
			return err
		}
		f := *r
		f.Status, f.Reason = StatusFailed, reason
		return EmitStatus(ctx, e, &f)
	}); ferr != nil {
		return ferr
	}
	r.Status, r.Reason = StatusFailed, reason
	return fmt.Errorf("request %s failed: %w", r.ID, err)
}
