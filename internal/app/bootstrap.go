package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/permission"
)

// Admin is the bootstrap contract written to DIR/admin.json (mode 0600).
type Admin struct {
	BaseURL        string     `json:"baseUrl"`
	OrgID          string     `json:"orgId"`
	AppID          string     `json:"appId"`
	User           AdminUser  `json:"user"`
	ServiceAccount AdminToken `json:"serviceAccount"`
}

// AdminUser is the root user and its Key credential.
type AdminUser struct {
	UserID        string `json:"userId"`
	Username      string `json:"username"`
	CredID        string `json:"credId"`
	PrivateKeyPEM string `json:"privateKeyPem"`
}

// AdminToken is the admin service account, its token and Key credential.
type AdminToken struct {
	UserID        string `json:"userId"`
	TokenID       string `json:"tokenId"`
	AuthToken     string `json:"authToken"`
	CredID        string `json:"credId"`
	PrivateKeyPEM string `json:"privateKeyPem"`
}

// RootUsername is the username of the bootstrap user.
const RootUsername = "root@custos.local"

// defaultEndUserOps is what DfnsDefaultEndUserAccess grants end users: the
// use of the wallets and keys they own.
var defaultEndUserOps = []string{
	"Wallets:Read", "Wallets:Create", "Wallets:Update", "Wallets:Transfers:Create", "Wallets:Transfers:Read",
	"Wallets:Transactions:Create", "Wallets:Transactions:Read", "Keys:Read", "Keys:Signatures:Create", "Keys:Signatures:Read",
}

// Bootstrap creates the organisation, root user, default application and
// admin service account when the database has no organisation, and writes
// admin.json. It reports whether it did anything; it never rewrites the file
// of an existing organisation.
//
// It is atomic across crashes: admin.json is first written (and synced)
// under a temporary name, the organisation is stored in one unit of work,
// and only then is the file renamed into place. The next start therefore
// finds either no organisation (and any temporary file is void: it
// bootstraps afresh) or a complete one, whose admin.json it finishes
// renaming if a crash came before the rename.
func (a *App) Bootstrap(ctx context.Context) (bool, error) {
	orgs, err := a.DB.Orgs(ctx)
	if err != nil {
		return false, err
	}
	pending := a.AdminFile + ".new"
	if len(orgs) > 0 {
		return false, finishAdmin(pending, a.AdminFile, orgs[0].ID)
	}
	if err := os.Remove(pending); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("remove stale %s: %w", pending, err)
	}
	if _, err := os.Stat(a.AdminFile); err == nil {
		return false, fmt.Errorf("%s exists but the database holds no organisation: move it away to bootstrap a new one", a.AdminFile)
	}
	plan, err := a.planOrganisation("Custos")
	if err != nil {
		return false, err
	}
	if err := writeAdmin(pending, plan.admin); err != nil {
		return false, err
	}
	if err := bootstrapFault("written"); err != nil {
		return false, err
	}
	if err := a.storeOrganisation(ctx, plan, true); err != nil {
		if errors.Is(err, errBootstrapped) {
			// Another replica was first: serve its organisation.
			return false, os.Remove(pending)
		}
		return false, err
	}
	if err := bootstrapFault("committed"); err != nil {
		return false, err
	}
	return true, publishAdmin(pending, a.AdminFile)
}

// bootstrapFault is a test hook: a crash is simulated by an error at the
// named step of Bootstrap ("written", "stored", "committed").
var bootstrapFault = func(step string) error { return nil }

// finishAdmin completes a bootstrap that crashed between committing the
// organisation org and renaming its admin.json into place.
func finishAdmin(pending, path, org string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	a, err := ReadAdmin(pending)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || a.OrgID != org {
		// Not this organisation's: leave it for the operator.
		return nil
	}
	return publishAdmin(pending, path)
}

// publishAdmin renames the written admin file into place, durably.
func publishAdmin(pending, path string) error {
	if err := os.Rename(pending, path); err != nil {
		return fmt.Errorf("write admin file: %w", err)
	}
	return syncDir(filepath.Dir(path)) // backup.go
}

// orgPlan is an organisation made in memory, keys and tokens included,
// before one unit of work stores it.
type orgPlan struct {
	org      *identity.Org
	app      *identity.App
	root     *identity.User
	rootCred *credential.Credential
	sa       *identity.BootstrapAccount
	admin    *Admin
}

// NewOrganisation creates an organisation with its managed permissions, a
// root user and an admin service account (both full admins, each with a
// fresh Ed25519 Key credential) and a default application, in one unit of
// work.
func (a *App) NewOrganisation(ctx context.Context, orgName string) (*Admin, error) {
	plan, err := a.planOrganisation(orgName)
	if err != nil {
		return nil, err
	}
	if err := a.storeOrganisation(ctx, plan, false); err != nil {
		return nil, err
	}
	return plan.admin, nil
}

// planOrganisation makes everything of a new organisation that takes
// crypto (keys, the service account's bearer), without storing anything.
func (a *App) planOrganisation(orgName string) (*orgPlan, error) {
	org := &identity.Org{ID: id.New("or"), Name: orgName, Created: time.Now()}
	name := "Default Application"
	app, err := a.Identity.MakeApp(org.ID, &identity.AppInput{Name: &name, Kind: identity.AppClientSide,
		RelyingPartyID: &a.Config.RPID})
	if err != nil {
		return nil, err
	}
	_, userPEM, pubPEM, err := newEd25519()
	if err != nil {
		return nil, err
	}
	root := &identity.User{ID: id.New("us"), OrgID: org.ID, Username: RootUsername, Name: "Root", Kind: identity.KindEmployee,
		IsActive: true, IsRegistered: true, Created: time.Now()}
	cred, err := a.Auth.KeyCredential(org.ID, root.ID, "", pubPEM)
	if err != nil {
		return nil, err
	}
	root.CredentialUUID = cred.UUID

	_, saPEM, saPub, err := newEd25519()
	if err != nil {
		return nil, err
	}
	days := 730
	sa, err := a.Identity.NewBootstrapAccount(org.ID, &identity.TokenInput{Name: "custos-admin", PublicKey: saPub, DaysValid: &days})
	if err != nil {
		return nil, err
	}
	return &orgPlan{org: org, app: app, root: root, rootCred: cred, sa: sa, admin: &Admin{
		BaseURL: a.BaseURL(), OrgID: org.ID, AppID: app.ID,
		User: AdminUser{UserID: root.ID, Username: root.Username, CredID: cred.CredID, PrivateKeyPEM: userPEM},
		ServiceAccount: AdminToken{UserID: sa.User.ID, TokenID: sa.Token.ID, AuthToken: sa.Bearer,
			CredID: sa.Token.CredID, PrivateKeyPEM: saPEM},
	}}, nil
}

// errBootstrapped says that another process bootstrapped the database.
var errBootstrapped = errors.New("the database holds an organisation already")

// storeOrganisation stores p in one unit of work. The first organisation
// (first) is stored only while the database holds none: of several
// replicas bootstrapping one database at once, one does it
// (docs/replicas.md) and the others get errBootstrapped.
func (a *App) storeOrganisation(ctx context.Context, p *orgPlan, first bool) error {
	return a.DB.Tx(ctx, func(ctx context.Context) error {
		if first {
			if err := a.DB.Serialize(ctx, "bootstrap"); err != nil {
				return err
			}
			orgs, err := a.DB.Orgs(ctx)
			if err != nil {
				return err
			}
			if len(orgs) > 0 {
				return errBootstrapped
			}
		}
		if err := a.DB.CreateOrg(ctx, p.org); err != nil {
			return err
		}
		full, err := a.Perms.CreateManaged(ctx, p.org.ID, permission.FullAdmin, []string{}, true, true)
		if err != nil {
			return err
		}
		if _, err := a.Perms.CreateManaged(ctx, p.org.ID, permission.DefaultEndUser, defaultEndUserOps, false, false); err != nil {
			return err
		}
		if err := a.DB.CreateApp(ctx, p.app); err != nil {
			return err
		}
		if err := a.DB.CreateUser(ctx, p.root); err != nil {
			return err
		}
		if err := a.DB.CreateCredential(ctx, p.rootCred, ""); err != nil {
			return err
		}
		if _, err := a.Perms.AssignManaged(ctx, p.org.ID, full.ID, p.root.ID, true); err != nil {
			return err
		}
		if err := bootstrapFault("stored"); err != nil {
			return err
		}
		if err := a.Identity.StoreBootstrapAccount(ctx, p.sa); err != nil {
			return err
		}
		_, err = a.Perms.AssignManaged(ctx, p.org.ID, full.ID, p.sa.User.ID, true)
		return err
	})
}

func newEd25519() (*pemkey.PrivateKey, string, string, error) {
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		return nil, "", "", err
	}
	priv, err := k.MarshalPEM()
	if err != nil {
		return nil, "", "", err
	}
	return k, priv, k.Public().MarshalPEM(), nil
}

// writeAdmin writes a to a new file at path (mode 0600) and syncs it.
func writeAdmin(path string, a *Admin) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write admin file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write admin file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write admin file: %w", err)
	}
	return f.Close()
}

// ReadAdmin reads an admin.json file.
func ReadAdmin(path string) (*Admin, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var a Admin
	return &a, json.Unmarshal(b, &a)
}
