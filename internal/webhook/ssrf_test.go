package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestGuardCheck(t *testing.T) {
	for _, c := range []struct {
		ip            string
		strict, loose bool // allowed without / with AllowPrivate
	}{
		{"203.0.113.7", true, true},
		{"2001:db8::1", true, true},
		{"127.0.0.1", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.0.0.1", false, true},
		{"172.31.255.255", false, true},
		{"192.168.0.1", false, true},
		{"100.64.0.1", false, true},
		{"fd12::1", false, true},
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"169.254.1.1", false, false},
		{"fe80::1", false, false},
		{"fd00:ec2::254", false, false},
		{"100.100.100.200", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, false},
		{"64:ff9b::a9fe:a9fe", false, false},
	} {
		ip := netip.MustParseAddr(c.ip)
		if got := (Guard{}).Check(ip) == nil; got != c.strict {
			t.Errorf("strict Check(%s) allowed = %v, want %v", c.ip, got, c.strict)
		}
		if got := (Guard{AllowPrivate: true}).Check(ip) == nil; got != c.loose {
			t.Errorf("AllowPrivate Check(%s) allowed = %v, want %v", c.ip, got, c.loose)
		}
	}
}

// TestClientChecksDialledAddress: the check is made on the address
// actually dialled, after name resolution, whatever the URL looks like;
// redirects are answered, not followed.
func TestClientChecksDialledAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	ctx := context.Background()

	p := newPoster(Config{Guard: Guard{}, Timeout: 5 * time.Second})
	res := p.send(ctx, byName+"/", []byte("s"), &Event{ID: "whe-1", Kind: "k", Attempt: 1}, time.Now())
	if res.ok || res.status != "EADDRNOTALLOWED" || hits.Load() != 0 {
		t.Fatalf("strict guard to %s: %+v (hits %d)", byName, res, hits.Load())
	}
	req, _ := http.NewRequest(http.MethodGet, byName, nil)
	if _, err := p.client.Do(req); !errors.Is(err, ErrRefusedAddress) {
		t.Fatalf("dial error %v, want ErrRefusedAddress", err)
	}

	p = newPoster(Config{Guard: Guard{AllowPrivate: true}, Timeout: 5 * time.Second})
	if res := p.send(ctx, byName+"/", []byte("s"), &Event{ID: "whe-1", Kind: "k", Attempt: 1}, time.Now()); !res.ok || res.status != "200" {
		t.Fatalf("allowed: %+v", res)
	}
	before := hits.Load()
	res = p.send(ctx, srv.URL+"/redirect", []byte("s"), &Event{ID: "whe-1", Kind: "k", Attempt: 1}, time.Now())
	if res.ok || res.status != "302" || hits.Load() != before+1 {
		t.Fatalf("redirect: %+v, hits %d → %d", res, before, hits.Load())
	}
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"ftp://example.com/", "http://", "/x", "http://u:p@example.com/", "http://localhost/",
		"http://app.localhost/", "http://[::1]/", "http://169.254.169.254/", "http://127.1/"} {
		if err := (Guard{}).CheckURL(ctx, u); err == nil {
			t.Errorf("CheckURL(%q) accepted", u)
		}
	}
	for _, u := range []string{"https://203.0.113.9/hook", "http://[2001:db8::5]:8080/x"} {
		if err := (Guard{}).CheckURL(ctx, u); err != nil {
			t.Errorf("CheckURL(%q): %v", u, err)
		}
	}
}
