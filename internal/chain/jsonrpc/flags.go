package jsonrpc

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// SplitEntries splits --rpc or --confirmations entries (NETWORK=VALUE,
// comma-separated or repeated) into those of the networks mine reports
// and the others, keeping each entry whole.
func SplitEntries(entries []string, mine func(network string) bool) (ours, others []string) {
	for _, entry := range entries {
		for _, kv := range strings.Split(entry, ",") {
			if strings.TrimSpace(kv) == "" {
				continue
			}
			network, _, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if mine(network) {
				ours = append(ours, strings.TrimSpace(kv))
			} else {
				others = append(others, kv)
			}
		}
	}
	return ours, others
}

// ParseNodes checks a family's entries of --rpc and --confirmations (as
// SplitEntries left them): http(s) URLs (urlForm is how the error spells
// the form expected), one node per network, confirmations from 1 to 1000
// for networks that have a node (defaultConf for those not given). It
// dials nothing.
func ParseNodes(rpcEntries, confEntries []string, urlForm string, defaultConf func(network string) int64) (urls map[string]string, confs map[string]int64, err error) {
	urls = map[string]string{}
	for _, kv := range rpcEntries {
		network, raw, ok := strings.Cut(kv, "=")
		if !ok || raw == "" {
			return nil, nil, fmt.Errorf("--rpc takes NETWORK=URL, not %q", network+"=…")
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, nil, fmt.Errorf("--rpc %s: the URL must be %s", network, urlForm)
		}
		if _, dup := urls[network]; dup {
			return nil, nil, fmt.Errorf("--rpc %s is given twice", network)
		}
		urls[network] = raw
	}
	confs = map[string]int64{}
	for _, kv := range confEntries {
		network, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || n < 1 || n > 1000 {
			return nil, nil, fmt.Errorf("--confirmations takes NETWORK=N with N from 1 to 1000, not %q", kv)
		}
		if _, known := urls[network]; !known {
			return nil, nil, fmt.Errorf("--confirmations %s: the network has no --rpc", network)
		}
		confs[network] = n
	}
	for network := range urls {
		if _, ok := confs[network]; !ok {
			confs[network] = defaultConf(network)
		}
	}
	return urls, confs, nil
}

// Sorted is the networks of urls in order (nodes are dialled in it).
func Sorted(urls map[string]string) []string {
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
