package httpapi_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/permission"
	"github.com/custos-dev/custos/internal/principal"
)

// The operations the random actors deal in: enough to create identities,
// permissions and assignments, and a few to be escalated to.
var propOps = []string{
	"Auth:ServiceAccounts:Create", "Auth:Pats:Create", "Auth:Users:Create", "Permissions:Create",
	"Permissions:Assign", "Permissions:Update", "Permissions:Revoke", "Permissions:Archive",
	"Wallets:Create", "Wallets:Read", "Keys:Read",
}

// actor is an identity of the property test: a client, the principal whose
// effective operations it has, and the ids permissions can be assigned to.
type actor struct {
	name string
	id   *apitest.Identity
	p    principal.Principal
	ids  []string
	user bool // a login session or PAT: may create PATs
}

type propWorld struct {
	t      *testing.T
	env    *apitest.Env
	rng    *rand.Rand
	actors []*actor
	perms  []string
	asgs   [][2]string // permission id, assignment id
	grants int         // successful steps that gave someone operations
}

// TestNoEscalationProperty runs random sequences of identity creation
// (users, service accounts, PATs), permission creation, change, archival,
// assignment and revocation by random actors through the API, and checks
// after every step that nobody gained an operation the acting identity does
// not hold (so a new identity never exceeds its creator). The seed is
// printed; CUSTOS_ESCALATION_SEED replays one.
func TestNoEscalationProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CUSTOS_ESCALATION_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = v
	}
	t.Logf("seed %d (CUSTOS_ESCALATION_SEED=%d replays it)", seed, seed)
	const sequences, steps = 30, 25
	total := 0
	for i := range sequences {
		w := newWorld(t, rand.New(rand.NewPCG(seed, uint64(i))))
		for j := range steps {
			w.step(fmt.Sprintf("seed %d sequence %d step %d", seed, i, j))
		}
		total += w.grants
	}
	if total < sequences {
		t.Fatalf("seed %d: only %d steps gave anyone anything; the test explores too little", seed, total)
	}
	t.Logf("%d granting steps", total)
}

func newWorld(t *testing.T, rng *rand.Rand) *propWorld {
	env := apitest.New(t)
	a := env.Admin
	w := &propWorld{t: t, env: env, rng: rng}
	w.add(&actor{name: "admin-sa", id: env.SA(t), ids: []string{a.ServiceAccount.UserID, a.ServiceAccount.TokenID},
		p: principal.Principal{OrgID: a.OrgID, UserID: a.ServiceAccount.UserID, TokenKind: principal.KindServiceAccount,
			TokenID: a.ServiceAccount.TokenID, IsServiceAccount: true}})
	w.add(&actor{name: "root", id: env.Root(t), ids: []string{a.User.UserID}, user: true,
		p: principal.Principal{OrgID: a.OrgID, UserID: a.User.UserID, TokenKind: principal.KindLogin}})
	for i := range 3 {
		u := env.User(t, pemkey.Ed25519, w.someOps(4+rng.IntN(5))...)
		w.add(loginActor(fmt.Sprintf("user%d", i), u))
	}
	w.perms = []string{managedPerm(t, env, permission.FullAdmin), managedPerm(t, env, permission.DefaultEndUser)}
	for range 3 {
		w.perms = append(w.perms, newPerm(t, env, w.someOps(1+rng.IntN(4))...))
	}
	// Narrowed PATs of the full-admin root, which mint identities of their own.
	for _, op := range []string{"Auth:ServiceAccounts:Create", "Auth:Pats:Create"} {
		perm := newPerm(t, env, append(w.someOps(1+rng.IntN(3)), op)...)
		pat := must[*token](t)(createPat(t, env, w.actors[1].id, perm))
		w.add(&actor{name: "root/pat", id: pat.Identity, p: pat.P, ids: []string{pat.ID}, user: true})
		// Its narrowing can be revoked (by itself, too).
		var l struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := env.SA(t).Do(ctx, "GET", "/permissions/"+perm+"/assignments", nil, &l); err != nil || len(l.Items) != 1 {
			t.Fatalf("assignments of %s: %+v %v", perm, l, err)
		}
		w.asgs = append(w.asgs, [2]string{perm, l.Items[0].ID})
		w.perms = append(w.perms, perm)
	}
	return w
}

func loginActor(name string, u *apitest.Identity) *actor {
	return &actor{name: name, id: u, ids: []string{u.UserID}, user: true,
		p: principal.Principal{OrgID: u.OrgID, UserID: u.UserID, TokenKind: principal.KindLogin}}
}

func (w *propWorld) add(a *actor) { w.actors = append(w.actors, a) }

// someOps returns n distinct operations of propOps.
func (w *propWorld) someOps(n int) []string {
	ops := slices.Clone(propOps)
	w.rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
	return ops[:n]
}

func (w *propWorld) somePerm() string { return w.perms[w.rng.IntN(len(w.perms))] }

// permOrNone returns a permission id, or "" half the time.
func (w *propWorld) permOrNone() string {
	if w.rng.IntN(2) == 0 {
		return ""
	}
	return w.somePerm()
}

func (w *propWorld) effective(a *actor) permission.Ops {
	w.t.Helper()
	return effective(w.t, w.env, &a.p)
}

// step lets a random actor try a random action, then checks that every
// identity's gains lie within what the actor held before it.
func (w *propWorld) step(where string) {
	t := w.t
	// Mostly restricted actors: the admins grant anything anyway.
	x := w.actors[2+w.rng.IntN(len(w.actors)-2)]
	if w.rng.IntN(8) == 0 {
		x = w.actors[w.rng.IntN(2)]
	}
	held := w.effective(x)
	before := make([]permission.Ops, len(w.actors))
	for i, a := range w.actors {
		before[i] = w.effective(a)
	}
	n := len(w.actors)
	what, err := w.act(x)
	gained := false
	for i, a := range w.actors {
		now := w.effective(a)
		was := permission.Ops{}
		if i < n {
			was = before[i]
		}
		if gain := gainedOps(was, now); len(gain) > 0 {
			gained = true
			if g := notHeld(held, gain); len(g) > 0 {
				t.Fatalf("%s: %s by %s (holding %s) gave %s %s (err %v)", where, what, x.name, describe(held), a.name, g, err)
			}
		}
	}
	if gained {
		w.grants++
	}
}

// gainedOps lists what now allows that was did not ("*" for full access).
func gainedOps(was, now permission.Ops) []string {
	if now.Full() && !was.Full() {
		return []string{"*"}
	}
	var out []string
	for _, op := range now.List() {
		if !was.Has(op) {
			out = append(out, op)
		}
	}
	return out
}

func notHeld(held permission.Ops, gain []string) []string {
	if held.Full() {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(gain), func(op string) bool { return op != "*" && held.Has(op) })
}

func describe(o permission.Ops) string {
	if o.Full() {
		return "full access"
	}
	return "[" + strings.Join(o.List(), " ") + "]"
}

// act makes x try one random action and describes it.
func (w *propWorld) act(x *actor) (string, error) {
	t, env := w.t, w.env
	switch k := w.rng.IntN(8); {
	case k == 0 && x.user:
		perm := w.permOrNone()
		pat, err := createPat(t, env, x.id, perm)
		if err == nil {
			w.add(&actor{name: x.name + "/pat", id: pat.Identity, p: pat.P, ids: []string{pat.ID}, user: true})
		}
		return "create PAT with " + orNone(perm), err
	case k <= 1:
		perm := w.permOrNone()
		sa, err := createSA(t, env, x.id, perm)
		if err == nil {
			w.add(&actor{name: x.name + "/sa", id: sa.Identity, p: sa.P, ids: []string{sa.P.UserID, sa.ID}})
		}
		return "create service account with " + orNone(perm), err
	case k == 2:
		ops := w.someOps(1 + w.rng.IntN(4))
		var p struct {
			ID string `json:"id"`
		}
		err := x.id.Do(ctx, "POST", "/permissions", map[string]any{"name": "rp-" + strconv.FormatInt(tokenSeq.Add(1), 10), "operations": ops}, &p)
		if err == nil {
			w.perms = append(w.perms, p.ID)
		}
		return fmt.Sprintf("create permission %v", ops), err
	case k == 3 || k == 4:
		perm, to := w.somePerm(), w.actors[w.rng.IntN(len(w.actors))]
		target := to.ids[w.rng.IntN(len(to.ids))]
		var a struct {
			ID string `json:"id"`
		}
		err := x.id.Do(ctx, "POST", "/permissions/"+perm+"/assignments", map[string]any{"identityId": target}, &a)
		if err == nil {
			w.asgs = append(w.asgs, [2]string{perm, a.ID})
		}
		return fmt.Sprintf("assign %s to %s (%s)", perm, to.name, target), err
	case k == 5:
		perm, ops := w.somePerm(), w.someOps(1+w.rng.IntN(4))
		return fmt.Sprintf("update %s to %v", perm, ops),
			x.id.Do(ctx, "PUT", "/permissions/"+perm, map[string]any{"operations": ops}, nil)
	case k == 6 && len(w.asgs) > 0:
		as := w.asgs[w.rng.IntN(len(w.asgs))]
		return "revoke " + as[1], x.id.Do(ctx, "DELETE", "/permissions/"+as[0]+"/assignments/"+as[1], nil, nil)
	case k == 6:
		perm, archived := w.somePerm(), w.rng.IntN(2) == 0
		return fmt.Sprintf("archive %s: %v", perm, archived),
			x.id.Do(ctx, "PUT", "/permissions/"+perm+"/archive", map[string]any{"isArchived": archived}, nil)
	default:
		return "create user", w.createUser(x)
	}
}

func orNone(perm string) string {
	if perm == "" {
		return "no permission"
	}
	return perm
}

// createUser makes x create a user with a key, and logs it in as a new actor.
func (w *propWorld) createUser(x *actor) error {
	t, env := w.t, w.env
	k := mustKey(t)
	email := "prop" + strconv.FormatInt(tokenSeq.Add(1), 10) + "@example.com"
	var u struct {
		UserID string `json:"userId"`
	}
	if err := x.id.Do(ctx, "POST", "/auth/users", map[string]any{"email": email, "kind": "CustomerEmployee", "publicKey": k.Public().MarshalPEM()}, &u); err != nil {
		return err
	}
	var ch client.Challenge
	if err := client.New(env.URL, "", nil).Do(ctx, "POST", "/auth/login/init", map[string]string{"username": email, "orgId": env.Admin.OrgID}, &ch); err != nil {
		t.Fatalf("login init: %v", err)
	}
	s := &client.KeySigner{CredID: ch.AllowCredentials.Key[0].ID, Key: k}
	tok, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, email, s)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	c := client.New(env.URL, tok, s)
	c.HTTP = env.HTTP
	w.add(loginActor(x.name+"/user", &apitest.Identity{Client: c, UserID: u.UserID, OrgID: env.Admin.OrgID, Key: k, Signer: s}))
	return nil
}
