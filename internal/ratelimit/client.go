package ratelimit

import (
	"net"
	"net/netip"
)

// ClientKey returns the key of the client at remoteAddr (an http.Request's
// RemoteAddr, "host:port"): the IPv4 address, or the /64 prefix of an IPv6
// address (one subscriber usually holds a whole /64, so per-address keys
// would let it pick from 2^64 of them).
//
// It is deliberately the peer of the TCP connection: X-Forwarded-For and
// similar headers are set by the client and are not trusted. Behind a
// reverse proxy every request then shares the proxy's key; size the
// per-address budget for that, or turn it off and let the proxy limit.
func ClientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		if len(host) > maxKeyLen {
			host = host[:maxKeyLen]
		}
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}
