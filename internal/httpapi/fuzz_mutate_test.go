package httpapi_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"sort"
	"strings"
)

// mutator derives request bodies from a valid base body by structure-aware
// mutations of its JSON tree: fields dropped, added or swapped, values
// replaced by ones of the wrong type, out-of-range numbers, odd strings,
// nested values, or the same type with another content. words are the
// domain strings it likes to use (enum values, real ids).
type mutator struct {
	rng   *rand.Rand
	words []string
}

// maxFuzzBody keeps a mutated body well under the server's 1 MiB limit, so
// that its user action can still be signed.
const maxFuzzBody = 600 << 10

// body returns a mutation of base (JSON), usually one change away from it;
// one time in six base itself.
func (m *mutator) body(base []byte) []byte {
	if m.rng.IntN(6) == 0 {
		return base
	}
	for range 8 {
		v := decodeNumbers(base)
		for range 1 + m.rng.IntN(2)*m.rng.IntN(3) {
			v = m.mutate(v)
		}
		out, err := json.Marshal(v)
		if err == nil && len(out) <= maxFuzzBody {
			return out
		}
	}
	return base
}

// decodeNumbers decodes b keeping numbers as json.Number (their literal).
func decodeNumbers(b []byte) any {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return map[string]any{}
	}
	return v
}

// nodePaths lists the paths of every node of v, the root ([]) first.
func nodePaths(v any, at []any) [][]any {
	out := [][]any{append([]any(nil), at...)}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, nodePaths(x[k], append(at, k))...)
		}
	case []any:
		for i, e := range x {
			out = append(out, nodePaths(e, append(at, i))...)
		}
	}
	return out
}

// getAt returns the node at path, or nil when path no longer leads
// anywhere (an earlier mutation changed the shape: a swap can move a node
// that another path still names).
func getAt(v any, path []any) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			k, ok := p.(string)
			if !ok {
				return nil
			}
			v = x[k]
		case []any:
			i, ok := p.(int)
			if !ok || i >= len(x) {
				return nil
			}
			v = x[i]
		}
	}
	return v
}

// setAt returns v with the node at path replaced by nv (del: removed).
func setAt(v any, path []any, nv any, del bool) any {
	if len(path) == 0 {
		if del {
			return map[string]any{}
		}
		return nv
	}
	switch x := v.(type) {
	case map[string]any:
		k, ok := path[0].(string)
		if !ok { // the shape changed under path (see getAt): no mutation
			return v
		}
		if del && len(path) == 1 {
			delete(x, k)
			return x
		}
		x[k] = setAt(x[k], path[1:], nv, del)
		return x
	case []any:
		i, ok := path[0].(int)
		if !ok || i >= len(x) {
			return v
		}
		if del && len(path) == 1 {
			return append(x[:i:i], x[i+1:]...)
		}
		x[i] = setAt(x[i], path[1:], nv, del)
		return x
	}
	return v
}

// mutate applies one random mutation to v.
func (m *mutator) mutate(v any) any {
	paths := nodePaths(v, nil)
	p := paths[m.rng.IntN(len(paths))]
	switch m.rng.IntN(10) {
	case 0, 1: // drop a field or element
		if len(p) > 0 {
			return setAt(v, p, nil, true)
		}
		return v
	case 2, 3: // another value, usually of another type
		return setAt(v, p, m.value(0), false)
	case 4, 5: // the same type, another content
		return setAt(v, p, m.tweak(getAt(v, p)), false)
	case 6: // an unknown (or known, elsewhere) field
		for _, q := range paths {
			if o, ok := getAt(v, q).(map[string]any); ok && m.rng.IntN(2) == 0 {
				o[m.key(paths)] = m.value(0)
				return v
			}
		}
		return v
	case 7: // two values swapped
		q := paths[m.rng.IntN(len(paths))]
		if len(p) == 0 || len(q) == 0 || prefixOf(p, q) || prefixOf(q, p) {
			return v
		}
		a, b := getAt(v, p), getAt(v, q)
		v = setAt(v, p, b, false)
		return setAt(v, q, a, false)
	case 8: // a domain word where anything was
		return setAt(v, p, m.word(), false)
	default: // a whole other body, one time in four
		if m.rng.IntN(4) == 0 {
			return m.value(0)
		}
		return setAt(v, p, m.value(0), false)
	}
}

func prefixOf(a, b []any) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// key is a field name: one of the body's own (so a field moves to another
// level), a domain word, or a random one.
func (m *mutator) key(paths [][]any) string {
	switch m.rng.IntN(3) {
	case 0:
		for range 4 {
			p := paths[m.rng.IntN(len(paths))]
			if len(p) > 0 {
				if s, ok := p[len(p)-1].(string); ok {
					return s
				}
			}
		}
		return "kind"
	case 1:
		return m.word()
	default:
		return m.str()
	}
}

func (m *mutator) word() string { return m.words[m.rng.IntN(len(m.words))] }

var fuzzNumbers = []string{
	"0", "-0", "1", "-1", "2", "255", "256", "65535", "2147483648", "4294967296", "9007199254740993",
	"9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
	"1e308", "-1e308", "1e400", "1e-400", "0.5", "-1.5", "1E2", "123456789012345678901234567890",
	"1" + strings.Repeat("0", 400),
}

var fuzzStrings = []string{
	"", " ", "a", "null", "true", "0", "-1", "1e400", "0x", "0x0", "0X00", "0xzz", "0x" + strings.Repeat("f", 64),
	"0x" + strings.Repeat("0", 65), "AAAA", "====", "é", "\u0000", "\u202e", "\ufffd", "😀", "ключ", "\t\n",
	"<script>", "../..", "%00", "' OR 1=1 --", "*", "Auth:*", "https://example.com", "example.com",
	"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
}

// str is a random odd string.
func (m *mutator) str() string {
	switch m.rng.IntN(6) {
	case 0:
		n := []int{64, 256, 1025, 4097, 70000, 200002}[m.rng.IntN(6)]
		return strings.Repeat(string(rune('a'+m.rng.IntN(26))), n)
	case 1:
		b := make([]byte, m.rng.IntN(80))
		for i := range b {
			b[i] = "0123456789abcdef"[m.rng.IntN(16)]
		}
		return "0x" + string(b)
	case 2:
		r := make([]rune, 1+m.rng.IntN(20))
		for i := range r {
			r[i] = rune(m.rng.IntN(0x2FFFF))
			if r[i] >= 0xD800 && r[i] <= 0xDFFF {
				r[i] = 'x'
			}
		}
		return string(r)
	default:
		return fuzzStrings[m.rng.IntN(len(fuzzStrings))]
	}
}

// value is a random JSON value; depth bounds the nesting of the ones it
// builds from others.
func (m *mutator) value(depth int) any {
	k := m.rng.IntN(12)
	if depth > 2 && k >= 8 {
		k = m.rng.IntN(8)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return m.rng.IntN(2) == 0
	case 2, 3:
		return json.Number(fuzzNumbers[m.rng.IntN(len(fuzzNumbers))])
	case 4, 5, 6:
		return m.str()
	case 7:
		return m.word()
	case 8:
		return map[string]any{}
	case 9:
		return map[string]any{m.word(): m.value(depth + 1)}
	case 10:
		out := make([]any, m.rng.IntN(4))
		for i := range out {
			out[i] = m.value(depth + 1)
		}
		return out
	default: // deep nesting
		var v any = m.str()
		for range 1 + m.rng.IntN(300) {
			if m.rng.IntN(2) == 0 {
				v = []any{v}
			} else {
				v = map[string]any{"a": v}
			}
		}
		return v
	}
}

// tweak returns a value of v's type with another content.
func (m *mutator) tweak(v any) any {
	switch x := v.(type) {
	case string:
		switch m.rng.IntN(7) {
		case 0:
			if x == "" {
				return ""
			}
			return x[:m.rng.IntN(len(x))]
		case 1:
			return x + x
		case 2:
			if strings.HasPrefix(x, "0x") {
				return x[2:]
			}
			return "0x" + x
		case 3:
			return strings.ToUpper(x)
		case 4:
			return x + m.str()
		case 5:
			if x == "" {
				return "\u0000"
			}
			i := m.rng.IntN(len(x))
			return x[:i] + string(rune('!'+m.rng.IntN(90))) + x[i+1:]
		default:
			return ""
		}
	case json.Number:
		switch m.rng.IntN(4) {
		case 0:
			if strings.HasPrefix(string(x), "-") {
				return json.Number(x[1:])
			}
			return json.Number("-" + string(x))
		case 1:
			return json.Number(string(x) + "000000000000")
		case 2:
			return string(x) // as a string
		default:
			return json.Number(fuzzNumbers[m.rng.IntN(len(fuzzNumbers))])
		}
	case bool:
		return !x
	case []any:
		switch m.rng.IntN(4) {
		case 0:
			return []any{}
		case 1:
			if len(x) == 0 {
				return []any{m.value(1)}
			}
			n := []int{2, 65, 1000}[m.rng.IntN(3)]
			out := make([]any, n)
			for i := range out {
				out[i] = x[i%len(x)]
			}
			return out
		case 2:
			return append(x, m.value(1))
		default:
			return append(x, x...)
		}
	case map[string]any:
		if m.rng.IntN(2) == 0 {
			return map[string]any{}
		}
		x[m.word()] = m.value(1)
		return x
	default:
		return m.value(0)
	}
}

// looseBody makes b not strict JSON: truncated, a duplicate key, invalid
// UTF-8, trailing data, or not JSON at all.
func looseBody(rng *rand.Rand, b []byte) []byte {
	switch rng.IntN(5) {
	case 0:
		return b[:rng.IntN(len(b))]
	case 1:
		if bytes.HasPrefix(b, []byte("{")) && len(b) > 2 {
			return append([]byte(`{"kind":1,"kind":2,`), b[1:]...)
		}
		return append([]byte(`{"a":1,"a":2}`), b...)
	case 2:
		return append(append([]byte(nil), b...), 0xff)
	case 3:
		return append(append([]byte(nil), b...), []byte(` {"x":1}`)...)
	default:
		return []byte("not json \x00")
	}
}

// fuzzQuery returns a random query string for a GET.
func fuzzQuery(rng *rand.Rand, words, tokens []string) string {
	vals := []string{"-1", "0", "1", "5", "100", "1000000", "abc", "1e3", "99999999999999999999", "",
		"2024-01-01T00:00:00Z", "2024-13-45T99:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
		strings.Repeat("z", 300), "%00", "%ff"}
	names := []string{"limit", "paginationToken", "startTime", "endTime", "userId", "network", "kind", "x"}
	var q []string
	for range rng.IntN(4) {
		v := vals[rng.IntN(len(vals))]
		name := names[rng.IntN(len(names))]
		switch {
		case name == "paginationToken" && len(tokens) > 0 && rng.IntN(3) > 0:
			m := &mutator{rng: rng, words: words}
			v = tokens[rng.IntN(len(tokens))]
			if rng.IntN(2) == 0 {
				v = m.tweak(v).(string)
			}
			v = url.QueryEscape(v)
		case rng.IntN(3) == 0:
			v = urlSegment(words[rng.IntN(len(words))])
		}
		q = append(q, name+"="+v)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + strings.Join(q, "&")
}

// urlSegment escapes s for a path segment.
func urlSegment(s string) string { return url.PathEscape(s) }

// garbageSegment is a path segment that names nothing: malformed ids,
// encodings, very long.
func garbageSegment(rng *rand.Rand) string {
	g := []string{"x", "0", "-1", "key-00000-00000-0000000000000000", "us-", "%00", "%2F", "%ff", "%2e%2e", "..", ".",
		"null", "%20", "é", url.PathEscape("ключ"), strings.Repeat("a", 5000), "a%2Fb", "%E2%80%AE", "*", "'"}
	return g[rng.IntN(len(g))]
}
