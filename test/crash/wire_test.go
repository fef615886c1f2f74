package crash

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/custos-dev/custos/client"
)

// The parts of the wire objects the harness compares.

type assignJSON struct {
	PermissionID string `json:"permissionId"`
	AssignmentID string `json:"assignmentId"`
}

type userJSON struct {
	UserID                string       `json:"userId"`
	Username              string       `json:"username"`
	Name                  string       `json:"name"`
	Kind                  string       `json:"kind"`
	CredentialUUID        string       `json:"credentialUuid"`
	OrgID                 string       `json:"orgId"`
	IsActive              bool         `json:"isActive"`
	IsServiceAccount      bool         `json:"isServiceAccount"`
	IsRegistered          bool         `json:"isRegistered"`
	PermissionAssignments []assignJSON `json:"permissionAssignments"`
}

type tokenJSON struct {
	TokenID               string       `json:"tokenId"`
	AccessToken           string       `json:"accessToken"`
	CredID                string       `json:"credId"`
	PublicKey             string       `json:"publicKey"`
	IsActive              bool         `json:"isActive"`
	LinkedUserID          string       `json:"linkedUserId"`
	PermissionAssignments []assignJSON `json:"permissionAssignments"`
}

type saJSON struct {
	UserInfo     userJSON    `json:"userInfo"`
	AccessTokens []tokenJSON `json:"accessTokens"`
}

type walletJSON struct {
	ID         string `json:"id"`
	Network    string `json:"network"`
	Address    string `json:"address"`
	Status     string `json:"status"`
	Name       string `json:"name"`
	ExternalID string `json:"externalId"`
	SigningKey struct {
		ID        string `json:"id"`
		Scheme    string `json:"scheme"`
		Curve     string `json:"curve"`
		PublicKey string `json:"publicKey"`
	} `json:"signingKey"`
	DateCreated string `json:"dateCreated"`
}

type keyJSON struct {
	ID        string      `json:"id"`
	Scheme    string      `json:"scheme"`
	Curve     string      `json:"curve"`
	PublicKey string      `json:"publicKey"`
	Status    string      `json:"status"`
	Wallets   []walletRef `json:"wallets"` // GET /keys/{id} only
}

type walletRef struct {
	ID string `json:"id"`
}

type sigJSON struct {
	R       string `json:"r"`
	S       string `json:"s"`
	Recid   *int   `json:"recid"`
	Encoded string `json:"encoded"`
}

type sigReqJSON struct {
	ID            string   `json:"id"`
	KeyID         string   `json:"keyId"`
	Status        string   `json:"status"`
	ExternalID    string   `json:"externalId"`
	Signature     *sigJSON `json:"signature"`
	DateRequested string   `json:"dateRequested"`
	DateSigned    string   `json:"dateSigned"`
}

// listAll reads every page of the list at path.
func listAll[T any](ctx context.Context, c *client.Client, path string) ([]T, error) {
	var out []T
	tok := ""
	for range 10000 {
		p := path + "?limit=1000"
		if tok != "" {
			p += "&paginationToken=" + url.QueryEscape(tok)
		}
		var l struct {
			Items         []T    `json:"items"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := c.Do(ctx, "GET", p, nil, &l); err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.NextPageToken == "" {
			return out, nil
		}
		tok = l.NextPageToken
	}
	return nil, errors.New("list " + path + ": too many pages")
}

// snapshot is every object of the organisation, read through the API.
type snapshot struct {
	users    map[string]userJSON // human users by id
	sas      map[string]saJSON   // service accounts by user id
	wallets  map[string]walletJSON
	keys     map[string]keyJSON
	sigs     map[string]sigReqJSON
	byMarker map[string][]string // marker (username, SA name, wallet name, externalId) → object ids
}

func takeSnapshot(ctx context.Context, o *org) (*snapshot, error) {
	c := o.client()
	s := &snapshot{users: map[string]userJSON{}, sas: map[string]saJSON{}, wallets: map[string]walletJSON{},
		keys: map[string]keyJSON{}, sigs: map[string]sigReqJSON{}, byMarker: map[string][]string{}}
	mark := func(m, id string) {
		if strings.HasPrefix(m, o.markerBase) {
			s.byMarker[m] = append(s.byMarker[m], id)
		}
	}
	users, err := listAll[userJSON](ctx, c, "/auth/users")
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if !u.IsServiceAccount {
			s.users[u.UserID] = u
			mark(u.Username, u.UserID)
		}
	}
	var sas struct {
		Items []saJSON `json:"items"`
	}
	if err := c.Do(ctx, "GET", "/auth/service-accounts", nil, &sas); err != nil {
		return nil, err
	}
	for _, sa := range sas.Items {
		s.sas[sa.UserInfo.UserID] = sa
		mark(sa.UserInfo.Name, sa.UserInfo.UserID)
	}
	wallets, err := listAll[walletJSON](ctx, c, "/wallets")
	if err != nil {
		return nil, err
	}
	for _, w := range wallets {
		s.wallets[w.ID] = w
		mark(w.Name, w.ID)
	}
	keys, err := listAll[keyJSON](ctx, c, "/keys")
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		s.keys[k.ID] = k
	}
	for _, k := range []string{o.ecKey, o.edKey} {
		sigs, err := listAll[sigReqJSON](ctx, c, "/keys/"+k+"/signatures")
		if err != nil {
			return nil, err
		}
		for _, r := range sigs {
			s.sigs[r.ID] = r
			mark(r.ExternalID, r.ID)
		}
	}
	return s, nil
}

// halfCreated lists what is incomplete about service account sa ("" if
// nothing): every one the harness creates has a token backed by a Key
// credential, the credential's uuid on its user, and a permission.
func halfCreatedSA(sa saJSON) string {
	var miss []string
	if len(sa.AccessTokens) == 0 {
		miss = append(miss, "no token")
	}
	for _, t := range sa.AccessTokens {
		if t.CredID == "" {
			miss = append(miss, "token without credential")
		}
	}
	if sa.UserInfo.CredentialUUID == "" {
		miss = append(miss, "no credentialUuid")
	}
	if len(sa.UserInfo.PermissionAssignments) == 0 {
		miss = append(miss, "no permission")
	}
	return strings.Join(miss, ", ")
}
