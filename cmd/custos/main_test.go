package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/app"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRE = regexp.MustCompile(`serving on (\S+)`)

// startServe runs `custos serve` in-process and returns its base URL and a
// stop function that waits for a clean exit.
func startServe(t *testing.T, args ...string) (string, *syncBuf, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuf{}, &syncBuf{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), out, logs) }()
	deadline := time.Now().Add(20 * time.Second)
	for !servingRE.MatchString(out.String()) {
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	url := servingRE.FindStringSubmatch(out.String())[1]
	return url, out, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}
}

func TestServeBootstrapContract(t *testing.T) {
	dir := t.TempDir()
	url, out, stop := startServe(t, "--data", dir)
	adminPath := filepath.Join(dir, "admin.json")
	if !strings.Contains(out.String(), adminPath) {
		t.Fatalf("serve did not print the admin file path: %q", out.String())
	}
	st, err := os.Stat(adminPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin.json mode: %v %v", st.Mode(), err)
	}
	raw, _ := os.ReadFile(adminPath)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"baseUrl", "orgId", "appId", "user", "serviceAccount"} {
		if m[k] == nil {
			t.Fatalf("admin.json lacks %s", k)
		}
	}
	for _, k := range []string{"userId", "username", "credId", "privateKeyPem"} {
		if m["user"].(map[string]any)[k] == "" {
			t.Fatalf("admin.json user lacks %s", k)
		}
	}
	for _, k := range []string{"userId", "tokenId", "authToken", "credId", "privateKeyPem"} {
		if m["serviceAccount"].(map[string]any)[k] == "" {
			t.Fatalf("admin.json serviceAccount lacks %s", k)
		}
	}
	admin, _ := app.ReadAdmin(adminPath)
	if admin.BaseURL != url {
		t.Fatalf("baseUrl %s, serving on %s", admin.BaseURL, url)
	}
	for _, k := range []string{admin.User.PrivateKeyPEM, admin.ServiceAccount.PrivateKeyPEM} {
		if !strings.HasPrefix(k, "-----BEGIN PRIVATE KEY-----") {
			t.Fatal("private keys are not PKCS#8 PEM")
		}
	}
	// The root user logs in and signs with the written credentials.
	signer, err := client.NewKeySigner(admin.User.CredID, admin.User.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.Login(context.Background(), http.DefaultClient, url, admin.OrgID, admin.User.Username, signer)
	if err != nil {
		t.Fatalf("root login: %v", err)
	}
	c := client.New(url, tok, signer)
	if err := c.Do(context.Background(), "POST", "/permissions", `{"name":"p","operations":["Wallets:Read"]}`, nil); err != nil {
		t.Fatal(err)
	}
	stop()

	// A restart keeps the organisation and never rewrites admin.json.
	_, out2, stop2 := startServe(t, "--data", dir)
	defer stop2()
	after, _ := os.ReadFile(adminPath)
	if !bytes.Equal(raw, after) || strings.Contains(out2.String(), "bootstrapped") {
		t.Fatal("restart rewrote admin.json or bootstrapped again")
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	url, _, stop := startServe(t, "--data", dir, "--tls")
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("url %s", url)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := hc.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("TLS request with the written certificate: %v", err)
	}
	res.Body.Close()
	admin, _ := app.ReadAdmin(filepath.Join(dir, "admin.json"))
	if admin.BaseURL != url {
		t.Fatalf("baseUrl %s", admin.BaseURL)
	}
	stop()
	_, _, stop2 := startServe(t, "--data", dir, "--tls")
	defer stop2()
	again, _ := os.ReadFile(filepath.Join(dir, "tls", "cert.pem"))
	if !bytes.Equal(certPEM, again) {
		t.Fatal("certificate was not reused on restart")
	}
}

func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "0.0.0.0:0"}, &syncBuf{}, &syncBuf{})
	if err == nil || !strings.Contains(err.Error(), "non-loopback") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnvironmentFlags(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CUSTOS_DATA", dir)
	t.Setenv("CUSTOS_BASE_URL", "https://custos.example")
	out := &syncBuf{}
	if err := run(context.Background(), []string{"init"}, out, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	admin, err := app.ReadAdmin(filepath.Join(dir, "admin.json"))
	if err != nil || admin.BaseURL != "https://custos.example" {
		t.Fatalf("init with env: %v %+v", err, admin)
	}
	if err := run(context.Background(), []string{"init"}, out, &syncBuf{}); err != nil || !strings.Contains(out.String(), "already holds") {
		t.Fatalf("second init: %v %q", err, out.String())
	}
}

func TestOneProcessPerDataDir(t *testing.T) {
	dir := t.TempDir()
	_, _, stop := startServe(t, "--data", dir)
	defer stop()
	err := run(context.Background(), []string{"init", "--data", dir}, &syncBuf{}, &syncBuf{})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second process on the same data dir: %v", err)
	}
}
