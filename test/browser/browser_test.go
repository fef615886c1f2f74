// Package browser_test drives the page Custos serves at /app/ in a real
// headless Chromium (Debian package chromium) over the DevTools protocol,
// with a virtual WebAuthn authenticator: an invited user registers a
// passkey with the code the test's SMTP sink received, logs in with it, and
// signs a message with a wallet; go-ethereum verifies the signature. Then
// the user approves one pending policy approval and denies another from
// the page, each decision signed with the passkey. It is
// its own package because go-ethereum makes its test binary slow to build.
package browser_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/mail/mailtest"
)

// chromiumPath finds the browser; without one the test is skipped unless
// CUSTOS_TEST_BROWSER=required (scripts/test installs it and sets that).
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CUSTOS_TEST_BROWSER") == "required" {
		t.Fatal("no chromium found (apt-get install chromium)")
	}
	t.Skip("no chromium found; install the Debian package chromium to run the browser test")
	return ""
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestPageRegistersLogsInAndSigns(t *testing.T) {
	chromium := chromiumPath(t)
	sink := mailtest.Start(t)
	// The page is served from http://localhost:PORT, a secure context, so
	// WebAuthn works without TLS; passkeys are scoped to "localhost".
	port := freePort(t)
	origin := fmt.Sprintf("http://localhost:%d", port)
	env := apitest.New(t, func(c *app.Config) {
		c.Addr = fmt.Sprintf("127.0.0.1:%d", port)
		c.RPID, c.Origins = "localhost", []string{origin}
		c.SMTPURL, c.SMTPFrom = sink.URL(), "custos@localhost"
	})
	ctx := context.Background()
	sa := env.SA(t)

	// An invited user who may read wallets and sign with them, and a wallet.
	email := "browser.user@example.com"
	var u struct {
		UserID string `json:"userId"`
	}
	if err := sa.Do(ctx, "POST", "/auth/users", map[string]any{"email": email, "kind": "CustomerEmployee"}, &u); err != nil {
		t.Fatal(err)
	}
	var perm struct {
		ID string `json:"id"`
	}
	if err := sa.Do(ctx, "POST", "/permissions", map[string]any{"name": "browser-user",
		"operations": []string{"Wallets:Read", "Keys:Signatures:Create", "Keys:Signatures:Read",
			"Policies:Approvals:Read", "Policies:Approvals:Approve"}}, &perm); err != nil {
		t.Fatal(err)
	}
	if err := sa.Do(ctx, "POST", "/permissions/"+perm.ID+"/assignments", map[string]any{"identityId": u.UserID}, nil); err != nil {
		t.Fatal(err)
	}
	var w struct {
		ID      string `json:"id"`
		Address string `json:"address"`
	}
	if err := sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia", "name": "browser"}, &w); err != nil {
		t.Fatal(err)
	}
	code := sink.Code(email, "Registration code")
	if code == "" {
		t.Fatal("no registration code mailed")
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("host-resolver-rules", "MAP localhost 127.0.0.1"), chromedp.DisableGPU)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	bctx, cancelTimeout := context.WithTimeout(bctx, 2*time.Minute)
	defer cancelTimeout()

	// A platform passkey authenticator that verifies the user.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(bctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	if _, err := chromedp.Call(bctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true},
	}); err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	// waitStatus waits for the page's status line to start with prefix and
	// fails with what it says otherwise.
	waitStatus := func(step, prefix string) {
		t.Helper()
		js := fmt.Sprintf(`(() => { const s = document.getElementById('status').textContent;
			return s.startsWith(%q) || s.includes('failed') ? s : false })()`, prefix)
		got, err := chromedp.Run(bctx, chromedp.Poll[string](js, chromedp.WithPollingTimeout(60*time.Second)))
		if err != nil || !strings.HasPrefix(got, prefix) {
			t.Fatalf("%s: status %q, err %v", step, got, err)
		}
	}

	if err := chromedp.Do(bctx, chromedp.Navigate(origin+"/app/")); err != nil {
		t.Fatal(err)
	}
	waitStatus("load", "Ready.")
	if err := chromedp.Do(bctx,
		chromedp.SetValue(chromedp.ID("reg-user"), email),
		chromedp.SetValue(chromedp.ID("reg-code"), code),
		chromedp.Click(chromedp.ID("register")),
	); err != nil {
		t.Fatal(err)
	}
	waitStatus("register", "Registered ")
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID("login"))); err != nil {
		t.Fatal(err)
	}
	waitStatus("log in", "Logged in ")
	if n, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("wallet-count"))); err != nil || n != "1" {
		t.Fatalf("wallets listed: %q %v", n, err)
	}
	msg := "signed in a real browser " + time.Now().Format(time.RFC3339Nano)
	if err := chromedp.Do(bctx,
		chromedp.SetValue(chromedp.ID("message"), msg),
		chromedp.Click(chromedp.ID("sign")),
	); err != nil {
		t.Fatal(err)
	}
	waitStatus("sign", "Signed ")
	encoded, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("signature")))
	if err != nil {
		t.Fatal(err)
	}

	// go-ethereum recovers the wallet's address from the EIP-191 signature.
	sig, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(encoded), "0x"))
	if err != nil || len(sig) != 65 {
		t.Fatalf("signature %q: %v", encoded, err)
	}
	if sig[64] >= 27 {
		sig[64] -= 27
	}
	pub, err := crypto.SigToPub(accounts.TextHash([]byte(msg)), sig)
	if err != nil {
		t.Fatal(err)
	}
	if got := crypto.PubkeyToAddress(*pub); got != common.HexToAddress(w.Address) {
		t.Fatalf("signature recovers %s, wallet is %s", got.Hex(), w.Address)
	}

	approveAndDeny(t, bctx, env, u.UserID, waitStatus)

	var got struct {
		IsRegistered bool `json:"isRegistered"`
	}
	if err := sa.Do(ctx, "GET", "/auth/users/"+u.UserID, nil, &got); err != nil || !got.IsRegistered {
		t.Fatalf("user after registering in the browser: %+v %v", got, err)
	}
}

// approveAndDeny: signatures the service account asks for on a wallet whose
// policy needs the user's approval wait; the user approves the first from
// the page (it is then signed) and denies the second (it is rejected).
func approveAndDeny(t *testing.T, bctx context.Context, env *apitest.Env, userID string, waitStatus func(step, prefix string)) {
	t.Helper()
	ctx := context.Background()
	sa := env.SA(t)
	var w struct {
		ID string `json:"id"`
	}
	if err := sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia", "name": "guarded"}, &w); err != nil {
		t.Fatal(err)
	}
	if err := sa.Do(ctx, "POST", "/v2/policies", map[string]any{"name": "browser approval", "activityKind": "Wallets:Sign",
		"rule": map[string]any{"kind": "AlwaysTrigger"},
		"action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{map[string]any{"quorum": 1,
			"approvers": map[string]any{"userId": map[string]any{"in": []string{userID}}}}}},
		"filters": map[string]any{"walletId": map[string]any{"in": []string{w.ID}}}}, nil); err != nil {
		t.Fatal(err)
	}
	type sigReq struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		ApprovalID string `json:"approvalId"`
	}
	ask := func() sigReq {
		var r sigReq
		if err := sa.Do(ctx, "POST", "/wallets/"+w.ID+"/signatures", map[string]any{"kind": "Message", "message": "0x68656c6c6f"}, &r); err != nil {
			t.Fatal(err)
		}
		if r.Status != "Pending" || r.ApprovalID == "" {
			t.Fatalf("signature request %+v, want Pending with an approval", r)
		}
		return r
	}
	first, second := ask(), ask()
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID("refresh-approvals"))); err != nil {
		t.Fatal(err)
	}
	waitStatus("list approvals", "Approvals loaded.")
	if n, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("approval-count"))); err != nil || n != "2" {
		t.Fatalf("approvals listed: %q %v", n, err)
	}
	for _, c := range []struct {
		r            sigReq
		value, label string
		want         string
	}{{first, "Approved", "Approve", "Signed"}, {second, "Denied", "Deny", "Rejected"}} {
		sel := fmt.Sprintf(`button[data-approval=%q][data-value=%q]`, c.r.ApprovalID, c.value)
		if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("%s: %v", c.label, err)
		}
		waitStatus(c.label, "Decided "+c.value+" on "+c.r.ApprovalID)
		// The outcome is the signature request's; an approved one is
		// signed after the decision commits (bounded wait).
		var got sigReq
		for i := 0; i < 100; i++ {
			if err := sa.Do(ctx, "GET", "/wallets/"+w.ID+"/signatures/"+c.r.ID, nil, &got); err != nil {
				t.Fatal(err)
			}
			if got.Status == c.want {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got.Status != c.want {
			t.Fatalf("after %s: signature request %+v, want %s", c.label, got, c.want)
		}
	}
	if n, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("approval-count"))); err != nil || n != "0" {
		t.Fatalf("approvals left: %q %v", n, err)
	}
}
