package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/validate"
)

// Addresses a webhook may never reach (docs/protocol/webhooks.md §5,
// docs/security.md): link-local ranges (where cloud metadata services
// answer: 169.254.169.254, fd00:ec2::254), other well-known metadata
// addresses, and what is not a unicast destination at all.
var alwaysRefused = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("169.254.0.0/16"),     // link-local, cloud metadata
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata
	netip.MustParsePrefix("192.0.0.192/32"),     // Oracle Cloud metadata
	netip.MustParsePrefix("255.255.255.255/32"), // broadcast
	netip.MustParsePrefix("fe80::/10"),          // link-local
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS metadata over IPv6
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64: embeds any IPv4 address
	netip.MustParsePrefix("2002::/16"),    // 6to4: embeds any IPv4 address
}

// Ranges a webhook reaches only with --webhook-allow-private.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"), // unique local
}

// ErrRefusedAddress is the error of a destination the policy refuses.
var ErrRefusedAddress = errors.New("webhook destination address is not allowed")

// Guard decides which addresses webhooks may reach.
type Guard struct {
	// AllowPrivate lets webhooks reach loopback and private ranges.
	AllowPrivate bool
}

// Check returns an error wrapping ErrRefusedAddress unless ip may be
// reached.
func (g Guard) Check(ip netip.Addr) error {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("%w: %s", ErrRefusedAddress, ip)
	}
	for _, p := range alwaysRefused {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s", ErrRefusedAddress, ip)
		}
	}
	if g.AllowPrivate {
		return nil
	}
	for _, p := range privateRanges {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is loopback or private (allowed only with --webhook-allow-private)", ErrRefusedAddress, ip)
		}
	}
	return nil
}

// maxURL bounds a webhook's URL.
const maxURL = 2048

// CheckURL validates a webhook URL and the addresses its host names now:
// http or https, a host, no credentials, and no address the guard refuses.
// A name that does not resolve is accepted (it is checked again at every
// delivery, on the address actually dialled).
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	if err := validate.Text("url", raw, maxURL); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return apierr.BadRequest("url must be an absolute http or https URL")
	}
	if u.User != nil {
		return apierr.BadRequest("url must not carry credentials")
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := g.Check(ip); err != nil {
			return apierr.BadRequest("url: %s", err.Error())
		}
		return nil
	}
	if strings.Trim(strings.ToLower(host), "0123456789.x") == "" && strings.ContainsAny(host, "0123456789") {
		// 127.1, 0x7f.1, 2130706433: forms some resolvers read as addresses.
		return apierr.BadRequest("url: %q is not a canonical IP address", host)
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		if err := g.Check(netip.MustParseAddr("127.0.0.1")); err != nil {
			return apierr.BadRequest("url: %s", err.Error())
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := g.Check(a); err != nil {
			return apierr.BadRequest("url: %s resolves to a refused address: %s", host, err.Error())
		}
	}
	return nil
}

// Client returns the HTTP client deliveries use: every connection's
// address is checked when it is dialled (after name resolution, so a name
// that resolves to a refused address is refused too), no proxy from the
// environment is used, redirects are not followed, and each request ends
// after timeout.
func (g Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrRefusedAddress, address)
		}
		return g.Check(ap.Addr())
	}}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           32,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
