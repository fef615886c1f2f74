package httpapi_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/httpapi"
	"github.com/custos-dev/custos/internal/pemkey"
)

// noStrings marks a route whose body has no string fields (or is not read).
const noStrings = "no string fields"

// limitCase is one route of the input-limit test: a valid base body whose
// every string field gets replaced by bad values.
type limitCase struct {
	path  string // concrete path
	body  string // base body (JSON)
	root  bool   // call as the root user (a user's own PATs) instead of the admin service account
	valid bool   // the base body itself must be accepted (sent last)
	note  string // noStrings, or why the body is as it is
}

// TestInputLimitsEveryRoute enumerates the route table: every signed route
// and public POST must have an entry. Each string field of the entry's
// base body is sent 200,002 characters long and with NUL, BEL and U+202E
// embedded, in a properly signed request; each must be a 400 whose
// message names the field.
func TestInputLimitsEveryRoute(t *testing.T) {
	env := apitest.New(t)
	srv := env.App.Handler.(*httpapi.Server)
	sa, root := env.SA(t), env.Root(t)
	table := limitTable(t, env, sa, root)

	covered := map[string]bool{}
	for _, rt := range srv.Routes() {
		method, _, hasMethod := strings.Cut(rt.Pattern, " ")
		if !rt.Signed && !(rt.Public && hasMethod && method == http.MethodPost) {
			continue
		}
		tc, ok := table[rt.Pattern]
		if !ok {
			t.Errorf("route %s has no entry in the input-limit table: add one", rt.Pattern)
			continue
		}
		covered[rt.Pattern] = true
		t.Run(rt.Pattern, func(t *testing.T) { runLimitCase(t, method, tc, sa, root) })
	}
	for p := range table {
		if !covered[p] {
			t.Errorf("table entry %s matches no signed or public POST route", p)
		}
	}
}

func runLimitCase(t *testing.T, method string, tc limitCase, sa, root *apitest.Identity) {
	who := sa
	if tc.root {
		who = root
	}
	var base any
	if err := json.Unmarshal([]byte(tc.body), &base); err != nil {
		t.Fatalf("base body: %v", err)
	}
	fields := stringPaths(base, nil)
	if (len(fields) == 0) != strings.HasPrefix(tc.note, noStrings) {
		t.Fatalf("%d string fields, note %q: mark bodies without string fields %q and no others", len(fields), tc.note, noStrings)
	}
	bad := map[string]func(string) string{
		"200002 chars": func(string) string { return strings.Repeat("a", 200002) },
		"NUL":          func(v string) string { return embed(v, "\x00") },
		"U+0007":       func(v string) string { return embed(v, "\a") },
		"U+202E":       func(v string) string { return embed(v, "\u202e") },
	}
	names := make([]string, 0, len(bad))
	for n := range bad {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, f := range fields {
		for _, n := range names {
			body := mutate(t, base, f, bad[n])
			err := who.Do(ctx, method, tc.path, body, nil)
			name := fieldName(f)
			var e *client.Error
			if !asErr(err, &e) || e.Status != http.StatusBadRequest || !strings.Contains(e.Body.Error.Message, name) {
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				if len(msg) > 300 {
					msg = msg[:300] + "…"
				}
				t.Errorf("%s %s with %s in %s: got %q, want a 400 naming %q", method, tc.path, n, name, msg, name)
			}
		}
	}
	if tc.valid {
		if err := who.Do(ctx, method, tc.path, []byte(tc.body), nil); err != nil {
			t.Errorf("base body refused: %v", err)
		}
	}
}

// stringPaths lists the paths of the string leaves of v, e.g.
// ["name"], ["tags", 0], ["signingKey", "scheme"].
func stringPaths(v any, at []any) [][]any {
	var out [][]any
	for _, p := range nodePaths(v, at) {
		if _, ok := getAt(v, p[len(at):]).(string); ok {
			out = append(out, p)
		}
	}
	return out
}

// fieldName is the dotted name of a path without array indices
// (["encryptedKeyShares", 0, "signerId"] is encryptedKeyShares.signerId).
func fieldName(path []any) string {
	var parts []string
	for _, p := range path {
		if s, ok := p.(string); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ".")
}

// mutate returns the JSON of base with the string at path replaced by
// bad(old).
func mutate(t *testing.T, base any, path []any, bad func(string) string) []byte {
	t.Helper()
	var cp any
	b, _ := json.Marshal(base)
	_ = json.Unmarshal(b, &cp)
	var set func(v any, i int) any
	set = func(v any, i int) any {
		if i == len(path) {
			return bad(v.(string))
		}
		switch x := v.(type) {
		case map[string]any:
			k := path[i].(string)
			x[k] = set(x[k], i+1)
		case []any:
			k := path[i].(int)
			x[k] = set(x[k], i+1)
		}
		return v
	}
	out, err := json.Marshal(set(cp, 0))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// embed puts c in the middle of v.
func embed(v, c string) string {
	mid := len(v) / 2
	for mid > 0 && mid < len(v) && v[mid]&0xc0 == 0x80 {
		mid--
	}
	return v[:mid] + c + v[mid:]
}

// limitTable creates the objects the paths need and returns one entry per
// signed route and public POST.
func limitTable(t *testing.T, env *apitest.Env, sa, root *apitest.Identity) map[string]limitCase {
	t.Helper()
	do := func(id *apitest.Identity, method, path string, body any) map[string]any {
		t.Helper()
		var out map[string]any
		if err := id.Do(ctx, method, path, body, &out); err != nil {
			t.Fatalf("setup %s %s: %v", method, path, err)
		}
		return out
	}
	str := func(m map[string]any, k string) string {
		t.Helper()
		s, ok := m[k].(string)
		if !ok || s == "" {
			t.Fatalf("setup: no %s in %v", k, m)
		}
		return s
	}
	pem := func() string {
		k, err := pemkey.Generate(pemkey.Ed25519)
		if err != nil {
			t.Fatal(err)
		}
		return k.Public().MarshalPEM()
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }

	perm := str(do(sa, "POST", "/permissions", map[string]any{"name": "limits", "operations": []string{"Wallets:Read"}}), "id")
	user := str(do(sa, "POST", "/auth/users", map[string]any{"email": "limits@example.com", "kind": "CustomerEmployee"}), "userId")
	asg := str(do(sa, "POST", "/permissions/"+perm+"/assignments", map[string]any{"identityId": user}), "id")
	svc := do(sa, "POST", "/auth/service-accounts", map[string]any{"name": "limits-sa", "publicKey": pem(), "permissionId": perm})
	saID := str(svc["userInfo"].(map[string]any), "userId")
	pat := str(do(root, "POST", "/auth/pats", map[string]any{"name": "limits-pat", "publicKey": pem()}), "tokenId")
	app := str(do(sa, "POST", "/auth/apps", map[string]any{"name": "limits-app"}), "appId")
	key := str(do(sa, "POST", "/keys", map[string]any{"scheme": "ECDSA", "curve": "secp256k1", "exportable": true}), "id")
	dh := str(do(sa, "POST", "/keys", map[string]any{"scheme": "DH", "curve": "secp256k1"}), "id")
	wal := str(do(sa, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}), "id")
	inactive := str(do(sa, "POST", "/wallets", map[string]any{"network": "CantonTestnet"}), "id")
	hash := q("0x" + strings.Repeat("ab", 32))
	export := `{"encryptionKey":"AAAAbbbb","supportedSchemes":[{"protocol":"CGGMP24","curve":"secp256k1"}]}`
	cred := `{"credentialUuid":"cr-limits-00000"}`
	policy := `{"name":"pol","activityKind":"Wallets:Sign","rule":{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["0x00000000000000000000000000000000000000aa"]}},` +
		`"action":{"kind":"RequestApproval","approvalGroups":[{"name":"g","quorum":1,"approvers":{"userId":{"in":[` + q(saID) + `]}}}]},` +
		`"filters":{"walletId":{"in":["wa-none"]},"walletTags":{"hasAny":["t9"]}}}`
	var pol map[string]any
	if err := json.Unmarshal([]byte(policy), &pol); err != nil {
		t.Fatal(err)
	}
	plc := str(do(sa, "POST", "/v2/policies", pol), "id")
	hookBody := `{"url":"https://203.0.113.7/hook","events":["key.delegated"],"description":"d","status":"Enabled"}`
	hook := str(do(sa, "POST", "/webhooks", []byte(hookBody)), "id")

	return map[string]limitCase{
		"POST /webhooks":                  {path: "/webhooks", body: hookBody, valid: true},
		"PUT /webhooks/{webhookId}":       {path: "/webhooks/" + hook, body: hookBody, valid: true},
		"DELETE /webhooks/{webhookId}":    {path: "/webhooks/" + hook, body: `{}`, note: noStrings},
		"POST /webhooks/{webhookId}/ping": {path: "/webhooks/" + hook + "/ping", body: `{}`, note: noStrings + " (a ping of an unroutable address would wait for its timeout)"},
		"POST /auth/login/init":           {path: "/auth/login/init", body: `{"username":` + q(env.Admin.User.Username) + `,"orgId":` + q(env.Admin.OrgID) + `}`, valid: true},
		"POST /auth/login": {path: "/auth/login", body: `{"challengeIdentifier":"ch-a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",` +
			`"firstFactor":{"kind":"Key","credentialAssertion":{"credId":"c1","clientData":"eyJ9","signature":"00"}}}`},

		"POST /auth/registration/init": {path: "/auth/registration/init", body: `{"username":"limits@example.com","orgId":` +
			q(env.Admin.OrgID) + `,"registrationCode":"1234-1234-1234-1234"}`},
		"POST /auth/registration": {path: "/auth/registration", body: `{"firstFactorCredential":{"credentialKind":"Fido2",` +
			`"credentialInfo":{"credId":"c1","clientData":"eyJ9","attestationData":"eyJ9"}},"recoveryCredential":{` +
			`"credentialKind":"RecoveryKey","encryptedPrivateKey":"x","credentialInfo":{"credId":"c2","clientData":"eyJ9","attestationData":"eyJ9"}}}`},
		"POST /auth/registration/enduser": {path: "/auth/registration/enduser", body: `{"firstFactorCredential":{"credentialKind":"Fido2",` +
			`"credentialInfo":{"credId":"c1","clientData":"eyJ9","attestationData":"eyJ9"}},` +
			`"wallets":[{"network":"EthereumSepolia","name":"main"}]}`},
		"POST /auth/recover/user/code": {path: "/auth/recover/user/code", body: `{"username":"limits@example.com","orgId":` + q(env.Admin.OrgID) + `}`},
		"POST /auth/recover/user/init": {path: "/auth/recover/user/init", body: `{"username":"limits@example.com","orgId":` +
			q(env.Admin.OrgID) + `,"verificationCode":"1234","credentialId":"c1"}`},
		"POST /auth/recover/user/delegated": {path: "/auth/recover/user/delegated", body: `{"username":"limits@example.com","credentialId":"c1"}`},
		"POST /auth/recover/user": {path: "/auth/recover/user", body: `{"recovery":{"kind":"RecoveryKey","credentialAssertion":` +
			`{"credId":"c1","clientData":"eyJ9","signature":"00"}},"newCredentials":{"firstFactorCredential":{"credentialKind":"Key",` +
			`"credentialInfo":{"credId":"c2","clientData":"eyJ9","attestationData":"eyJ9"}}}}`},
		"POST /auth/registration/delegated": {path: "/auth/registration/delegated", body: `{"email":"limits.end@example.com","kind":"EndUser","externalId":"x1"}`},
		"POST /auth/login/delegated":        {path: "/auth/login/delegated", body: `{"username":"limits@example.com"}`},
		"POST /auth/login/code":             {path: "/auth/login/code", body: `{"username":"limits@example.com","orgId":` + q(env.Admin.OrgID) + `}`},
		"POST /auth/credentials/code":       {path: "/auth/credentials/code", body: `{"expiration":"2030-01-01T00:00:00Z"}`, root: true},
		"POST /auth/credentials/code/init":  {path: "/auth/credentials/code/init", body: `{"credentialKind":"Fido2","code":"ABC-DEF-GHJ"}`},
		"POST /auth/credentials/code/verify": {path: "/auth/credentials/code/verify", body: `{"challengeIdentifier":"ch-a.bbbbbbbb",` +
			`"credentialKind":"Fido2","credentialName":"phone","credentialInfo":{"credId":"c1","clientData":"eyJ9","attestationData":"eyJ9"}}`},
		"POST /auth/credentials": {path: "/auth/credentials", body: `{"challengeIdentifier":"ch-a.bbbbbbbb","credentialKind":"Key",` +
			`"credentialName":"laptop","credentialInfo":{"credId":"c1","clientData":"eyJ9","attestationData":"eyJ9"}}`},
		"PUT /auth/credentials/activate":   {path: "/auth/credentials/activate", body: cred},
		"PUT /auth/credentials/deactivate": {path: "/auth/credentials/deactivate", body: cred},
		"DELETE /auth/credentials/{id}":    {path: "/auth/credentials/cr-limits-00000", body: `{}`, note: noStrings},

		"POST /auth/users": {path: "/auth/users", body: `{"email":"limits2@example.com","kind":"CustomerEmployee","publicKey":` + q(pem()) +
			`,"externalId":"u-1"}`, valid: true},
		"PUT /auth/users/{id}":            {path: "/auth/users/" + user, body: `{"isSSORequired":false}`, note: noStrings},
		"DELETE /auth/users/{id}":         {path: "/auth/users/" + user, body: `{}`, note: noStrings},
		"PUT /auth/users/{id}/activate":   {path: "/auth/users/" + user + "/activate", body: `{}`, note: noStrings},
		"PUT /auth/users/{id}/deactivate": {path: "/auth/users/" + user + "/deactivate", body: `{}`, note: noStrings},

		"POST /auth/service-accounts": {path: "/auth/service-accounts", body: `{"name":"sa2","publicKey":` + q(pem()) +
			`,"permissionId":` + q(perm) + `,"externalId":"sa-1"}`, valid: true},
		"PUT /auth/service-accounts/{id}":            {path: "/auth/service-accounts/" + saID, body: `{"name":"sa3","externalId":"sa-2"}`, valid: true},
		"DELETE /auth/service-accounts/{id}":         {path: "/auth/service-accounts/" + saID, body: `{}`, note: noStrings},
		"PUT /auth/service-accounts/{id}/activate":   {path: "/auth/service-accounts/" + saID + "/activate", body: `{}`, note: noStrings},
		"PUT /auth/service-accounts/{id}/deactivate": {path: "/auth/service-accounts/" + saID + "/deactivate", body: `{}`, note: noStrings},

		"POST /auth/pats": {path: "/auth/pats", root: true, body: `{"name":"pat2","publicKey":` + q(pem()) +
			`,"permissionId":` + q(perm) + `,"externalId":"p-1"}`, valid: true},
		"PUT /auth/pats/{id}":            {path: "/auth/pats/" + pat, root: true, body: `{"name":"pat3","externalId":"p-2"}`, valid: true},
		"DELETE /auth/pats/{id}":         {path: "/auth/pats/" + pat, root: true, body: `{}`, note: noStrings},
		"PUT /auth/pats/{id}/activate":   {path: "/auth/pats/" + pat + "/activate", root: true, body: `{}`, note: noStrings},
		"PUT /auth/pats/{id}/deactivate": {path: "/auth/pats/" + pat + "/deactivate", root: true, body: `{}`, note: noStrings},

		"POST /auth/apps": {path: "/auth/apps", body: `{"name":"app2","kind":"ClientSideApplication","relyingPartyId":"example.com",` +
			`"origin":"https://example.com:8443","externalId":"a-1"}`, valid: true},
		"PUT /auth/apps/{id}": {path: "/auth/apps/" + app, body: `{"name":"app3","relyingPartyId":"app.example.com",` +
			`"origin":"https://app.example.com","externalId":"a-2"}`, valid: true},
		"DELETE /auth/apps/{id}":         {path: "/auth/apps/" + app, body: `{}`, note: noStrings},
		"PUT /auth/apps/{id}/activate":   {path: "/auth/apps/" + app + "/activate", body: `{}`, note: noStrings},
		"PUT /auth/apps/{id}/deactivate": {path: "/auth/apps/" + app + "/deactivate", body: `{}`, note: noStrings},

		"POST /permissions":                          {path: "/permissions", body: `{"name":"p2","operations":["Wallets:Read"]}`, valid: true},
		"PUT /permissions/{id}":                      {path: "/permissions/" + perm, body: `{"name":"p3","operations":["Wallets:Read"]}`, valid: true},
		"PUT /permissions/{id}/archive":              {path: "/permissions/" + perm + "/archive", body: `{"isArchived":false}`, note: noStrings},
		"POST /permissions/{id}/assignments":         {path: "/permissions/" + perm + "/assignments", body: `{"identityId":` + q(saID) + `}`},
		"DELETE /permissions/{id}/assignments/{aid}": {path: "/permissions/" + perm + "/assignments/" + asg, body: `{}`, note: noStrings},
		"POST /keys":                                 {path: "/keys", body: `{"scheme":"ECDSA","curve":"secp256k1","name":"k2"}`, valid: true},
		"POST /keys/import":                          {path: "/keys/import", body: `{"name":"imp","curve":"secp256k1","protocol":"CGGMP24","minSigners":2,"encryptedKeyShares":[{"signerId":"c2lnbmVy","encryptedKeyShare":"AAAA"}]}`},
		"PUT /keys/{keyId}":                          {path: "/keys/" + key, body: `{"name":"k3"}`, valid: true},
		"DELETE /keys/{keyId}":                       {path: "/keys/" + key, body: `{}`, note: noStrings},
		"POST /keys/{keyId}/delegate":                {path: "/keys/" + key + "/delegate", body: `{}`, note: noStrings + " (delegation is not supported: the body is not read)"},
		"POST /keys/{keyId}/derive":                  {path: "/keys/" + dh + "/derive", body: `{"domain":"0x01","seed":"0x02"}`, valid: true},
		"POST /keys/{keyId}/export":                  {path: "/keys/" + key + "/export", body: export},
		"POST /keys/{keyId}/signatures":              {path: "/keys/" + key + "/signatures", body: `{"kind":"Hash","hash":` + hash + `,"externalId":"s-1"}`, valid: true},
		"POST /wallets":                              {path: "/wallets", body: `{"network":"EthereumSepolia","name":"w2","externalId":"w-1","tags":["t1"],"signingKey":{"scheme":"ECDSA","curve":"secp256k1"}}`, valid: true},
		"PUT /wallets/{walletId}":                    {path: "/wallets/" + wal, body: `{"name":"w3","externalId":"w-2"}`, valid: true},
		"PUT /wallets/{walletId}/tags":               {path: "/wallets/" + wal + "/tags", body: `{"tags":["t2"]}`, valid: true},
		"DELETE /wallets/{walletId}/tags":            {path: "/wallets/" + wal + "/tags", body: `{"tags":["t2"]}`, valid: true},
		"POST /wallets/{walletId}/activate":          {path: "/wallets/" + inactive + "/activate", body: `{"validatorId":"cv-1"}`, note: "activation ends in a 400 naming what it needs (docs/protocol/networks-canton.md)"},
		"POST /wallets/{walletId}/delegate":          {path: "/wallets/" + wal + "/delegate", body: `{}`, note: noStrings + " (delegation is not supported: the body is not read)"},
		"POST /wallets/{walletId}/export":            {path: "/wallets/" + wal + "/export", body: export},
		"POST /wallets/{walletId}/signatures":        {path: "/wallets/" + wal + "/signatures", body: `{"kind":"Hash","hash":` + hash + `,"network":"EthereumSepolia","externalId":"s-2"}`, valid: true},
		"POST /wallets/{walletId}/transfers": {path: "/wallets/" + wal + "/transfers",
			body: `{"kind":"Erc20","contract":"0x00000000000000000000000000000000000000c1","to":"0x00000000000000000000000000000000000000b2","amount":"1","priority":"Fast","externalId":"t-1"}`,
			note: "the server has no node: the base body is refused with a 400 naming --rpc"},
		"POST /wallets/{walletId}/transactions": {path: "/wallets/" + wal + "/transactions",
			body: `{"kind":"Eip1559","to":"0x00000000000000000000000000000000000000b2","value":"1","data":"0x","gasLimit":"21000","maxFeePerGas":"2","maxPriorityFeePerGas":"1","externalId":"t-2"}`,
			note: "the server has no node: the base body is refused with a 400 naming --rpc"},
		"PUT /wallets/{walletId}/transfers/{transferId}/abort": {path: "/wallets/" + wal + "/transfers/xfr-00000-00000-0000000000000000/abort",
			body: `{}`, note: noStrings + " (the body is not read)"},
		"PUT /wallets/{walletId}/transactions/{transactionId}/abort": {path: "/wallets/" + wal + "/transactions/tx-00000-00000-0000000000000000/abort",
			body: `{}`, note: noStrings + " (the body is not read)"},
		"POST /wallets/{walletId}/transfers/{transferId}/speed-up": {path: "/wallets/" + wal + "/transfers/xfr-00000-00000-0000000000000000/speed-up",
			body: `{}`, note: noStrings + " (the body is not read)"},
		"POST /wallets/{walletId}/transactions/{transactionId}/speed-up": {path: "/wallets/" + wal + "/transactions/tx-00000-00000-0000000000000000/speed-up",
			body: `{}`, note: noStrings + " (the body is not read)"},
		"POST /wallets/{walletId}/transfers/{transferId}/cancel": {path: "/wallets/" + wal + "/transfers/xfr-00000-00000-0000000000000000/cancel",
			body: `{}`, note: noStrings + " (the body is not read)"},
		"POST /wallets/{walletId}/transactions/{transactionId}/cancel": {path: "/wallets/" + wal + "/transactions/tx-00000-00000-0000000000000000/cancel",
			body: `{}`, note: noStrings + " (the body is not read)"},

		"POST /v2/policies":                                {path: "/v2/policies", body: policy, valid: true},
		"PUT /v2/policies/{policyId}":                      {path: "/v2/policies/" + plc, body: policy, valid: true},
		"DELETE /v2/policies/{policyId}":                   {path: "/v2/policies/" + plc, body: `{}`, note: noStrings},
		"POST /v2/policy-approvals/{approvalId}/decisions": {path: "/v2/policy-approvals/ap-00000-00000-0000000000000000/decisions", body: `{"value":"Approved","reason":"fine"}`},
	}
}
