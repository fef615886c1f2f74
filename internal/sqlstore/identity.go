package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
)

var _ identity.Store = (*DB)(nil)

// CreateOrg inserts o.
func (db *DB) CreateOrg(ctx context.Context, o *identity.Org) error {
	_, err := db.exec(ctx, `INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)`, o.ID, o.Name, ms(o.Created))
	if err != nil {
		return fmt.Errorf("insert org: %w", err)
	}
	return nil
}

// Org returns org id, or NotFound.
func (db *DB) Org(ctx context.Context, id string) (*identity.Org, error) {
	var o identity.Org
	var c int64
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT id, name, created_at FROM orgs WHERE id = ?`), id).Scan(&o.ID, &o.Name, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("organisation %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select org: %w", err)
	}
	o.Created = fromMS(c)
	return &o, nil
}

// Orgs lists all organisations.
func (db *DB) Orgs(ctx context.Context) ([]*identity.Org, error) {
	return queryAll(ctx, db, "orgs", `SELECT id, name, created_at FROM orgs ORDER BY created_at, id`, nil,
		func(r scanner) (*identity.Org, error) {
			var o identity.Org
			var c int64
			err := r.Scan(&o.ID, &o.Name, &c)
			o.Created = fromMS(c)
			return &o, err
		})
}

const userCols = `id, org_id, username, name, kind, is_service_account, is_active, is_archived, is_registered,
	is_sso_required, external_id, credential_uuid, registration_code, registration_expiry, sessions_after, created_at,
	session_gen`

// scanUser scans the userCols of a row, then any extra destinations.
func scanUser(sc interface{ Scan(...any) error }, extra ...any) (*identity.User, error) {
	var u identity.User
	var sa, act, arch, reg, sso int
	var regExp, after, created int64
	dest := append([]any{&u.ID, &u.OrgID, &u.Username, &u.Name, &u.Kind, &sa, &act, &arch, &reg, &sso,
		&u.ExternalID, &u.CredentialUUID, &u.RegistrationCode, &regExp, &after, &created, &u.SessionGen}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	u.IsServiceAccount, u.IsActive, u.IsArchived, u.IsRegistered, u.IsSSORequired = sa == 1, act == 1, arch == 1, reg == 1, sso == 1
	u.RegistrationExpiry, u.SessionsAfter, u.Created = fromMS(regExp), fromMS(after), fromMS(created)
	return &u, nil
}

// CreateUser inserts u; a taken username is a 409.
func (db *DB) CreateUser(ctx context.Context, u *identity.User) error {
	_, err := db.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OrgID, u.Username, u.Name, u.Kind, b2i(u.IsServiceAccount), b2i(u.IsActive), b2i(u.IsArchived),
		b2i(u.IsRegistered), b2i(u.IsSSORequired), u.ExternalID, u.CredentialUUID, u.RegistrationCode,
		ms(u.RegistrationExpiry), ms(u.SessionsAfter), ms(u.Created), u.SessionGen)
	if isUnique(err) {
		return apierr.Conflict("a user named %q already exists", u.Username)
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// User returns user id of org, or NotFound.
func (db *DB) User(ctx context.Context, org, id string) (*identity.User, error) {
	u, err := scanUser(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("user %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select user: %w", err)
	}
	return u, nil
}

// UserByName returns the user named username in org, or NotFound.
func (db *DB) UserByName(ctx context.Context, org, username string) (*identity.User, error) {
	u, err := scanUser(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+userCols+` FROM users WHERE org_id = ? AND username = ?`), org, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("user %s not found", username)
	}
	if err != nil {
		return nil, fmt.Errorf("select user by name: %w", err)
	}
	return u, nil
}

// Users lists users (or service accounts) of org, optionally of one kind,
// ordered by id, after the page token.
func (db *DB) Users(ctx context.Context, org, kind string, serviceAccounts bool, p identity.Page) ([]*identity.User, string, error) {
	q := `SELECT ` + userCols + ` FROM users WHERE org_id = ? AND is_service_account = ? AND id > ?`
	args := []any{org, b2i(serviceAccounts), p.Token}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	return queryPage(ctx, db, "users", q+` ORDER BY id`, args, p,
		func(r scanner) (*identity.User, error) { return scanUser(r) },
		func(u *identity.User) string { return u.ID })
}

// UpdateUser writes the mutable fields of u.
func (db *DB) UpdateUser(ctx context.Context, u *identity.User) error {
	_, err := db.exec(ctx, `UPDATE users SET name = ?, is_active = ?, is_archived = ?, is_registered = ?,
		is_sso_required = ?, external_id = ?, credential_uuid = ?, registration_code = ?, registration_expiry = ?,
		sessions_after = ? WHERE org_id = ? AND id = ?`,
		u.Name, b2i(u.IsActive), b2i(u.IsArchived), b2i(u.IsRegistered), b2i(u.IsSSORequired), u.ExternalID,
		u.CredentialUUID, u.RegistrationCode, ms(u.RegistrationExpiry), ms(u.SessionsAfter), u.OrgID, u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}

// EndSessions bumps the session generation of user id in one statement:
// every login token issued before is refused from then on. UpdateUser
// never writes the generation, so an update made from an older read of the
// user cannot bring logged-out sessions back.
func (db *DB) EndSessions(ctx context.Context, org, id string) error {
	res, err := db.exec(ctx, `UPDATE users SET session_gen = session_gen + 1 WHERE org_id = ? AND id = ?`, org, id)
	if err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apierr.NotFound("user %s not found", id)
	}
	return nil
}

// LoginSession returns the user of a login token and whether its session
// was logged out, in one read.
func (db *DB) loginSession(ctx context.Context, org, userID, jti string) (*identity.User, bool, error) {
	var revoked int
	u, err := scanUser(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+userCols+`,
		(SELECT COUNT(*) FROM revoked_sessions WHERE jti = ?) FROM users WHERE org_id = ? AND id = ?`), jti, org, userID),
		&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, apierr.NotFound("user %s not found", userID)
	}
	if err != nil {
		return nil, false, fmt.Errorf("select login session: %w", err)
	}
	return u, revoked > 0, nil
}

// TokenSession returns the user and token of a PAT or service-account
// bearer, in one read.
func (db *DB) tokenSession(ctx context.Context, org, userID, tokenID string) (*identity.User, *identity.Token, error) {
	row := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+prefixed("u.", userCols)+`, `+prefixed("t.", tokenCols)+`
		FROM users u JOIN tokens t ON t.user_id = u.id AND t.org_id = u.org_id
		WHERE u.org_id = ? AND u.id = ? AND t.id = ?`), org, userID, tokenID)
	var tr tokenRow
	u, err := scanUser(row, tr.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apierr.NotFound("token %s not found", tokenID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("select token session: %w", err)
	}
	return u, tr.token(), nil
}

// prefixed qualifies each column of cols with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

const tokenCols = `id, org_id, kind, user_id, app_id, name, cred_uuid, cred_id, public_key, token_hash, external_id,
	is_active, is_archived, expires_at, created_at`

// tokenRow holds the raw columns of a token while it is scanned.
type tokenRow struct {
	t            identity.Token
	act, arch    int
	exp, created int64
}

func (r *tokenRow) dest() []any {
	t := &r.t
	return []any{&t.ID, &t.OrgID, &t.Kind, &t.UserID, &t.AppID, &t.Name, &t.CredUUID, &t.CredID, &t.PublicKey, &t.Hash,
		&t.ExternalID, &r.act, &r.arch, &r.exp, &r.created}
}

func (r *tokenRow) token() *identity.Token {
	r.t.IsActive, r.t.IsArchived = r.act == 1, r.arch == 1
	r.t.ExpiresAt, r.t.Created = fromMS(r.exp), fromMS(r.created)
	return &r.t
}

func scanToken(sc interface{ Scan(...any) error }) (*identity.Token, error) {
	var r tokenRow
	if err := sc.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.token(), nil
}

// CreateToken inserts t.
func (db *DB) CreateToken(ctx context.Context, t *identity.Token) error {
	_, err := db.exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrgID, t.Kind, t.UserID, t.AppID, t.Name, t.CredUUID, t.CredID, t.PublicKey, t.Hash, t.ExternalID,
		b2i(t.IsActive), b2i(t.IsArchived), ms(t.ExpiresAt), ms(t.Created))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

// Token returns token id of org, or NotFound.
func (db *DB) Token(ctx context.Context, org, id string) (*identity.Token, error) {
	t, err := scanToken(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+tokenCols+` FROM tokens WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("token %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select token: %w", err)
	}
	return t, nil
}

// Tokens lists tokens of org of one kind, optionally of one user.
func (db *DB) Tokens(ctx context.Context, org, kind, userID string) ([]*identity.Token, error) {
	q := `SELECT ` + tokenCols + ` FROM tokens WHERE org_id = ? AND kind = ?`
	args := []any{org, kind}
	if userID != "" {
		q += ` AND user_id = ?`
		args = append(args, userID)
	}
	return queryAll(ctx, db, "tokens", q+` ORDER BY created_at, id`, args,
		func(r scanner) (*identity.Token, error) { return scanToken(r) })
}

// UpdateToken writes the mutable fields of t.
func (db *DB) UpdateToken(ctx context.Context, t *identity.Token) error {
	_, err := db.exec(ctx, `UPDATE tokens SET name = ?, external_id = ?, is_active = ?, is_archived = ?
		WHERE org_id = ? AND id = ?`, t.Name, t.ExternalID, b2i(t.IsActive), b2i(t.IsArchived), t.OrgID, t.ID)
	if err != nil {
		return fmt.Errorf("update token: %w", err)
	}
	return nil
}

const appCols = `id, org_id, kind, name, rp_id, origin, external_id, is_active, is_archived, created_at`

func scanApp(sc interface{ Scan(...any) error }) (*identity.App, error) {
	var a identity.App
	var act, arch int
	var created int64
	if err := sc.Scan(&a.ID, &a.OrgID, &a.Kind, &a.Name, &a.RPID, &a.Origin, &a.ExternalID, &act, &arch, &created); err != nil {
		return nil, err
	}
	a.IsActive, a.IsArchived, a.Created = act == 1, arch == 1, fromMS(created)
	return &a, nil
}

// CreateApp inserts a.
func (db *DB) CreateApp(ctx context.Context, a *identity.App) error {
	_, err := db.exec(ctx, `INSERT INTO apps (`+appCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.Kind, a.Name, a.RPID, a.Origin, a.ExternalID, b2i(a.IsActive), b2i(a.IsArchived), ms(a.Created))
	if err != nil {
		return fmt.Errorf("insert app: %w", err)
	}
	return nil
}

// App returns app id of org, or NotFound.
func (db *DB) App(ctx context.Context, org, id string) (*identity.App, error) {
	a, err := scanApp(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+appCols+` FROM apps WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("application %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select app: %w", err)
	}
	return a, nil
}

// Apps lists the applications of org.
func (db *DB) Apps(ctx context.Context, org string) ([]*identity.App, error) {
	return queryAll(ctx, db, "apps", `SELECT `+appCols+` FROM apps WHERE org_id = ? ORDER BY created_at, id`, []any{org},
		func(r scanner) (*identity.App, error) { return scanApp(r) })
}

// UpdateApp writes the mutable fields of a.
func (db *DB) UpdateApp(ctx context.Context, a *identity.App) error {
	_, err := db.exec(ctx, `UPDATE apps SET name = ?, rp_id = ?, origin = ?, external_id = ?, is_active = ?, is_archived = ?
		WHERE org_id = ? AND id = ?`, a.Name, a.RPID, a.Origin, a.ExternalID, b2i(a.IsActive), b2i(a.IsArchived), a.OrgID, a.ID)
	if err != nil {
		return fmt.Errorf("update app: %w", err)
	}
	return nil
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}
