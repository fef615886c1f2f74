package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSStringify returns the JSON text raw in the form JavaScript's
// JSON.stringify(JSON.parse(raw)) gives: no white space, strings escaped
// only where JavaScript escapes them (no HTML escaping, U+2028 and U+2029
// as they are), numbers as JavaScript prints them, and object members in
// JavaScript's order (array-index keys first, ascending, then the others
// in their order). Receivers that verify a webhook's signature over the
// re-serialised body (the Dfns sample does) then hash the very bytes that
// were signed (docs/protocol/webhooks.md §4). Duplicate keys are refused.
func JSStringify(raw []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var b bytes.Buffer
	if err := jsValue(d, &b); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("json: trailing data")
	}
	return b.Bytes(), nil
}

func jsValue(d *json.Decoder, b *bytes.Buffer) error {
	t, err := d.Token()
	if err != nil {
		return err
	}
	switch v := t.(type) {
	case json.Delim:
		if v == '[' {
			b.WriteByte('[')
			for i := 0; d.More(); i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := jsValue(d, b); err != nil {
					return err
				}
			}
			_, err := d.Token()
			b.WriteByte(']')
			return err
		}
		return jsObject(d, b)
	case string:
		jsString(b, v)
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return err
		}
		b.WriteString(jsNumber(f))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case nil:
		b.WriteString("null")
	}
	return nil
}

type member struct {
	key   string
	index uint32 // when isIndex
	isIdx bool
	val   []byte
}

func jsObject(d *json.Decoder, b *bytes.Buffer) error {
	var ms []member
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		k := t.(string)
		if seen[k] {
			return fmt.Errorf("json: duplicate key %q", k)
		}
		seen[k] = true
		var vb bytes.Buffer
		if err := jsValue(d, &vb); err != nil {
			return err
		}
		m := member{key: k, val: vb.Bytes()}
		m.index, m.isIdx = arrayIndex(k)
		ms = append(ms, m)
	}
	if _, err := d.Token(); err != nil {
		return err
	}
	// Array-index keys come first in ascending order; the others keep
	// their order (ECMA-262 OrdinaryOwnPropertyKeys).
	slices.SortStableFunc(ms, func(a, c member) int {
		switch {
		case a.isIdx && c.isIdx:
			return int(int64(a.index) - int64(c.index))
		case a.isIdx:
			return -1
		case c.isIdx:
			return 1
		}
		return 0
	})
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		jsString(b, m.key)
		b.WriteByte(':')
		b.Write(m.val)
	}
	b.WriteByte('}')
	return nil
}

// arrayIndex reports whether k is an array index: the canonical decimal
// form of an integer in [0, 2^32-2].
func arrayIndex(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n > math.MaxUint32-1 {
		return 0, false
	}
	return uint32(n), true
}

// jsString writes s quoted as JSON.stringify does.
func jsString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				var buf [utf8.UTFMax]byte
				b.Write(buf[:utf8.EncodeRune(buf[:], r)])
			}
		}
	}
	b.WriteByte('"')
}

// jsNumber formats f as JavaScript's Number::toString (ECMA-262
// 6.1.6.1.20); non-finite numbers become null, as in JSON.stringify.
func jsNumber(f float64) string {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return "null"
	case f == 0:
		return "0"
	case f < 0:
		return "-" + jsNumber(-f)
	}
	// The shortest digits that round-trip, and the exponent.
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		return digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return "0." + strings.Repeat("0", -n) + digits
	}
	sign := "+"
	if n-1 < 0 {
		sign = "-"
	}
	ex := strconv.Itoa(abs(n - 1))
	if k == 1 {
		return digits + "e" + sign + ex
	}
	return digits[:1] + "." + digits[1:] + "e" + sign + ex
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
