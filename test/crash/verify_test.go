package crash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"

	"github.com/custos-dev/custos/client"
)

// counts are the figures of a run.
type counts struct {
	cycles           int
	attempts, acked  [numKinds]int
	inFlight         int
	refusedUnderLoad int // non-2xx answers to valid writes before the crash
	losses           int // acknowledged objects missing or changed
	half             map[string]int
	duplicates       int           // two objects for one user action
	ackReplays       int           // acknowledged actions replayed after the restart
	ackReplaysOK     int           // … and accepted again (must be 0)
	flightReplays    int           // in-flight actions replayed after the restart
	flightCommitted  int           // … whose first request had committed
	flightReplaysOK  int           // … accepted although the first had committed (must be 0)
	flightCompleted  int           // … accepted because the first had not committed
	flightSpent      [numKinds]int // … refused although the first left no object (must be 0)
	replayStatus     map[int]int
}

// checker verifies one organisation after a restart and adds to counts.
type checker struct {
	o      *org
	n      *counts
	fail   func(format string, args ...any)
	seen   map[string]bool // half-created objects already counted
	acked  []*attempt      // every acknowledged write of the organisation
	replay int             // acknowledged actions to replay per cycle
}

// verify checks the organisation after the crash that ended the load of
// cycle: it takes a snapshot, replays user actions, and checks the writes.
func (c *checker) verify(ctx context.Context, attempts []*attempt) error {
	snap, err := takeSnapshot(ctx, c.o)
	if err != nil {
		return fmt.Errorf("snapshot after restart: %w", err)
	}
	var fresh, inFlight []*attempt
	for _, a := range attempts {
		c.n.attempts[a.kind]++
		switch {
		case a.acked():
			c.n.acked[a.kind]++
			fresh = append(fresh, a)
		case a.status == 0:
			c.n.inFlight++
			inFlight = append(inFlight, a)
		default:
			c.n.refusedUnderLoad++
			c.fail("%s %s refused under load: %s", a.kind, a.marker, a.errMsg)
		}
	}
	c.acked = append(c.acked, fresh...)
	c.halfCreated(snap)

	// Every acknowledged write of the organisation is in the snapshot as
	// acknowledged; this cycle's are also read one by one.
	for _, a := range c.acked {
		if a.lost {
			continue // counted once
		}
		if err := c.present(snap, a); err != nil {
			a.lost = true
			c.n.losses++
			c.fail("LOSS: acknowledged %s %s (cycle %d): %v", a.kind, a.marker, a.cycle, err)
		}
	}
	for _, a := range fresh {
		if a.lost {
			continue
		}
		if err := c.intact(ctx, a); err != nil {
			a.lost = true
			c.n.losses++
			c.fail("LOSS: acknowledged %s %s (cycle %d): %v", a.kind, a.marker, a.cycle, err)
		}
	}

	// Acknowledged user actions are spent: a replay after the restart is
	// refused.
	for _, a := range sample(fresh, c.replay) {
		c.n.ackReplays++
		st, _, err := c.send(ctx, a)
		if err != nil {
			return err
		}
		c.n.replayStatus[st]++
		switch {
		case st < 300:
			c.n.ackReplaysOK++
			c.fail("REPLAY ACCEPTED: the acknowledged %s %s action answered %d on replay after the restart", a.kind, a.marker, st)
		case st >= 500:
			c.fail("%s %s: replay of an acknowledged action answered %d", a.kind, a.marker, st)
		}
	}
	// A user action in flight at the crash is accepted at most once: if its
	// request committed, a replay is refused; if not, a replay may complete it.
	completed := false
	for _, a := range inFlight {
		c.n.flightReplays++
		committed := len(snap.byMarker[a.marker]) > 0
		if committed {
			c.n.flightCommitted++
		}
		st, body, err := c.send(ctx, a)
		if err != nil {
			return err
		}
		c.n.replayStatus[st]++
		if st >= 400 && !committed {
			// The action is consumed in the unit of work that stores its
			// object: refused on replay, it was spent without its write.
			c.n.flightSpent[a.kind]++
			c.fail("SPENT WITHOUT WRITE: the %s %s action in flight at the crash left no object, and its replay answered %d: %s", a.kind, a.marker, st, body)
		}
		switch {
		case st >= 200 && st < 300 && committed:
			c.n.flightReplaysOK++
			c.fail("REPLAY ACCEPTED: the %s %s action in flight at the crash had committed, and its replay answered %d", a.kind, a.marker, st)
		case st >= 200 && st < 300:
			c.n.flightCompleted++
			completed = true
			a.status, a.body = st, body
			c.acked = append(c.acked, a)
			if err := c.intact(ctx, a); err != nil {
				a.lost = true
				c.n.losses++
				c.fail("LOSS: %s %s acknowledged on replay: %v", a.kind, a.marker, err)
			}
		case st >= 500:
			c.fail("%s %s: replay after the restart answered %d", a.kind, a.marker, st)
		}
	}
	if completed {
		if snap, err = takeSnapshot(ctx, c.o); err != nil {
			return fmt.Errorf("snapshot after replays: %w", err)
		}
	}
	for m, ids := range snap.byMarker {
		if len(ids) > 1 && !c.seen["dup "+m] {
			c.seen["dup "+m] = true
			c.n.duplicates++
			c.fail("DUPLICATE: one user action (%s) made %d objects: %v", m, len(ids), ids)
		}
	}
	return nil
}

// sample picks up to n of acked, spread over the kinds.
func sample(acked []*attempt, n int) []*attempt {
	var out []*attempt
	taken := map[*attempt]bool{}
	for len(out) < n && len(out) < len(acked) {
		for k := range numKinds {
			if i := slices.IndexFunc(acked, func(a *attempt) bool { return a.kind == k && !taken[a] }); i >= 0 && len(out) < n {
				taken[acked[i]] = true
				out = append(out, acked[i])
			}
		}
	}
	return out
}

// send replays a's user action token with its payload; it returns the
// status (an error only when the server did not answer).
func (c *checker) send(ctx context.Context, a *attempt) (int, json.RawMessage, error) {
	var raw json.RawMessage
	err := c.o.client().DoWithAction(ctx, "POST", a.path, a.payload, a.token, &raw)
	var ce *client.Error
	switch {
	case err == nil:
		return http.StatusOK, raw, nil
	case errors.As(err, &ce):
		return ce.Status, json.RawMessage(ce.Raw), nil
	}
	return 0, nil, fmt.Errorf("replay %s %s: %w", a.kind, a.marker, err)
}

// halfCreated counts (once each) the objects the snapshot holds
// incomplete: a service account without token, credential or permission; a
// user without its credential; a key made for a wallet without the wallet.
func (c *checker) halfCreated(snap *snapshot) {
	report := func(id, what string) {
		if c.seen[id] {
			return
		}
		c.seen[id] = true
		c.n.half[what]++
		c.fail("HALF-CREATED %s: %s", what, id)
	}
	for id, sa := range snap.sas {
		if id == c.o.admin.ServiceAccount.UserID {
			continue
		}
		if miss := halfCreatedSA(sa); miss != "" {
			report(id, "service account ("+miss+")")
		}
	}
	for id, u := range snap.users {
		if len(snap.byMarker[u.Username]) > 0 && (u.CredentialUUID == "" || !u.IsRegistered) {
			report(id, "user (no credential)")
		}
	}
	walletKeys := map[string]bool{}
	for _, w := range snap.wallets {
		walletKeys[w.SigningKey.ID] = true
	}
	for id := range snap.keys {
		if !c.o.setupKeys[id] && !walletKeys[id] {
			report(id, "wallet (key without wallet)")
		}
	}
}

// present checks that acknowledged write a is in snap as it was answered.
func (c *checker) present(snap *snapshot, a *attempt) error {
	switch a.kind {
	case kindUser:
		var want userJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		return same(snap.users[want.UserID], want)
	case kindSA:
		var want saJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		return same(snap.sas[want.UserInfo.UserID], withoutBearers(want))
	case kindWallet:
		var want walletJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		if k, ok := snap.keys[want.SigningKey.ID]; !ok || k.PublicKey != want.SigningKey.PublicKey {
			return fmt.Errorf("key %s of wallet %s: missing or changed: %+v", want.SigningKey.ID, want.ID, k)
		}
		return same(snap.wallets[want.ID], want)
	default:
		var want sigReqJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		return same(snap.sigs[want.ID], want)
	}
}

// intact reads acknowledged write a back one by one and checks that it is
// whole: the user's credential, the service account's token and credential
// (used with its own bearer), the wallet's key, the signature.
func (c *checker) intact(ctx context.Context, a *attempt) error {
	adm := c.o.client()
	switch a.kind {
	case kindUser:
		var want, got userJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		if err := adm.Do(ctx, "GET", "/auth/users/"+want.UserID, nil, &got); err != nil {
			return fmt.Errorf("GET user %s: %w", want.UserID, err)
		}
		if err := same(got, want); err != nil {
			return err
		}
		var ch client.Challenge
		anon := client.New(c.o.url, "", nil)
		anon.HTTP = c.o.hc
		if err := anon.Do(ctx, "POST", "/auth/login/init", map[string]string{"username": want.Username, "orgId": c.o.admin.OrgID}, &ch); err != nil {
			return fmt.Errorf("login init of %s: %w", want.Username, err)
		}
		if len(ch.AllowCredentials.Key) != 1 {
			return fmt.Errorf("user %s has %d key credentials, want 1", want.UserID, len(ch.AllowCredentials.Key))
		}
		return nil
	case kindSA:
		var want, got saJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		if err := adm.Do(ctx, "GET", "/auth/service-accounts/"+want.UserInfo.UserID, nil, &got); err != nil {
			return fmt.Errorf("GET service account %s: %w", want.UserInfo.UserID, err)
		}
		if err := same(got, withoutBearers(want)); err != nil {
			return err
		}
		if len(want.AccessTokens) != 1 || want.AccessTokens[0].AccessToken == "" {
			return fmt.Errorf("service account %s was answered without its token", want.UserInfo.UserID)
		}
		// Its token and Key credential work: it signs a user action as
		// itself (the action is not used).
		tv := want.AccessTokens[0]
		own := client.New(c.o.url, tv.AccessToken, &client.KeySigner{CredID: tv.CredID, Key: a.saKey})
		own.HTTP = c.o.hc
		ch, err := own.ActionInit(ctx, "POST", "/wallets", []byte(`{"network":"EthereumSepolia"}`))
		if err != nil {
			return fmt.Errorf("service account %s with its own token: %w", want.UserInfo.UserID, err)
		}
		as, err := own.Signer.Sign(ctx, ch)
		if err != nil {
			return err
		}
		if _, err := own.ActionComplete(ctx, ch.ChallengeIdentifier, as); err != nil {
			return fmt.Errorf("service account %s signing with its credential %s: %w", want.UserInfo.UserID, tv.CredID, err)
		}
		return nil
	case kindWallet:
		var want, got walletJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		if err := adm.Do(ctx, "GET", "/wallets/"+want.ID, nil, &got); err != nil {
			return fmt.Errorf("GET wallet %s: %w", want.ID, err)
		}
		if err := same(got, want); err != nil {
			return err
		}
		var k keyJSON
		if err := adm.Do(ctx, "GET", "/keys/"+want.SigningKey.ID, nil, &k); err != nil {
			return fmt.Errorf("GET key %s of wallet %s: %w", want.SigningKey.ID, want.ID, err)
		}
		if k.PublicKey != want.SigningKey.PublicKey || k.Status != "Active" || !slices.ContainsFunc(k.Wallets, func(w walletRef) bool { return w.ID == want.ID }) {
			return fmt.Errorf("key %s of wallet %s: %+v", k.ID, want.ID, k)
		}
		return nil
	default:
		var want, got sigReqJSON
		if err := json.Unmarshal(a.body, &want); err != nil {
			return err
		}
		if want.Status != "Signed" || want.Signature == nil {
			return fmt.Errorf("signature request %s was answered unsigned: %s", want.ID, a.body)
		}
		if err := adm.Do(ctx, "GET", "/keys/"+want.KeyID+"/signatures/"+want.ID, nil, &got); err != nil {
			return fmt.Errorf("GET signature request %s: %w", want.ID, err)
		}
		return same(got, want)
	}
}

func withoutBearers(sa saJSON) saJSON {
	sa.AccessTokens = slices.Clone(sa.AccessTokens)
	for i := range sa.AccessTokens {
		sa.AccessTokens[i].AccessToken = ""
	}
	return sa
}

// same reports how got differs from the acknowledged want.
func same[T any](got, want T) error {
	if reflect.DeepEqual(got, want) {
		return nil
	}
	var zero T
	if reflect.DeepEqual(got, zero) {
		return errors.New("missing")
	}
	return fmt.Errorf("changed:\n got  %+v\n want %+v", got, want)
}
