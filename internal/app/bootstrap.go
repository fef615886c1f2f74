package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

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
func (a *App) Bootstrap(ctx context.Context) (bool, error) {
	orgs, err := a.DB.Orgs(ctx)
	if err != nil {
		return false, err
	}
	if len(orgs) > 0 {
		return false, nil
	}
	out, err := a.NewOrganisation(ctx, "Custos")
	if err != nil {
		return false, err
	}
	return true, writeAdmin(a.AdminFile, out)
}

// NewOrganisation creates an organisation with its managed permissions, a
// root user and an admin service account (both full admins, each with a
// fresh Ed25519 Key credential) and a default application.
func (a *App) NewOrganisation(ctx context.Context, orgName string) (*Admin, error) {
	org := &identity.Org{ID: id.New("or"), Name: orgName, Created: time.Now()}
	if err := a.DB.CreateOrg(ctx, org); err != nil {
		return nil, err
	}
	full, err := a.Perms.CreateManaged(ctx, org.ID, permission.FullAdmin, []string{}, true, true)
	if err != nil {
		return nil, err
	}
	if _, err := a.Perms.CreateManaged(ctx, org.ID, permission.DefaultEndUser, defaultEndUserOps, false, false); err != nil {
		return nil, err
	}
	name := "Default Application"
	app, err := a.Identity.NewApp(ctx, org.ID, &identity.AppInput{Name: &name, Kind: identity.AppClientSide,
		RelyingPartyID: &a.Config.RPID})
	if err != nil {
		return nil, err
	}
	out := &Admin{BaseURL: a.BaseURL(), OrgID: org.ID, AppID: app.ID}

	_, userPEM, pubPEM, err := newEd25519()
	if err != nil {
		return nil, err
	}
	root := &identity.User{ID: id.New("us"), OrgID: org.ID, Username: RootUsername, Name: "Root", Kind: identity.KindEmployee,
		IsActive: true, IsRegistered: true, Created: time.Now()}
	if err := a.DB.CreateUser(ctx, root); err != nil {
		return nil, err
	}
	cred, err := a.Auth.NewUserKey(ctx, org.ID, root.ID, pubPEM)
	if err != nil {
		return nil, err
	}
	root.CredentialUUID = cred.UUID
	if err := a.DB.UpdateUser(ctx, root); err != nil {
		return nil, err
	}
	if _, err := a.Perms.AssignManaged(ctx, org.ID, full.ID, root.ID, true); err != nil {
		return nil, err
	}
	out.User = AdminUser{UserID: root.ID, Username: root.Username, CredID: cred.CredID, PrivateKeyPEM: userPEM}

	_, saPEM, saPub, err := newEd25519()
	if err != nil {
		return nil, err
	}
	days := 730
	sa, tok, bearer, err := a.Identity.NewBootstrapServiceAccount(ctx, org.ID, &identity.TokenInput{Name: "custos-admin", PublicKey: saPub, DaysValid: &days})
	if err != nil {
		return nil, err
	}
	if _, err := a.Perms.AssignManaged(ctx, org.ID, full.ID, sa.ID, true); err != nil {
		return nil, err
	}
	out.ServiceAccount = AdminToken{UserID: sa.ID, TokenID: tok.ID, AuthToken: bearer, CredID: tok.CredID, PrivateKeyPEM: saPEM}
	return out, nil
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
		return err
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
