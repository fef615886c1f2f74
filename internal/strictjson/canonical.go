package strictjson

import (
	"bytes"
	"slices"
	"sync"
	"unicode/utf8"
)

// Canonical returns the canonical form of the strict JSON value b (Check's
// error otherwise): no whitespace, the members of each object sorted by
// key, strings written with only '"', '\' and control characters escaped
// (as \", \\ and \u00xx), numbers exactly as written. Two strict texts
// have the same canonical form exactly when they decode to the same value
// (with numbers as their literals, like encoding/json's UseNumber), so a
// digest of it identifies the value without keeping it. A blank b is
// ErrSyntax: it holds no value.
func Canonical(b []byte) ([]byte, error) {
	if err := Check(b); err != nil {
		return nil, err
	}
	c := canons.Get().(*canon)
	c.b, c.i = b, 0
	c.out = make([]byte, 0, len(b))
	c.skipWS()
	if c.i == len(b) {
		canons.Put(c)
		return nil, &Error{Err: ErrSyntax, Offset: len(b)}
	}
	c.value()
	out := c.out
	c.b, c.out = nil, nil
	clear(c.members[:cap(c.members)])
	c.members = c.members[:0]
	if cap(c.tmp) <= 1<<16 {
		canons.Put(c)
	}
	return out, nil
}

var canons = sync.Pool{New: func() any { return &canon{} }}

// canon writes the canonical form of a text Check accepted.
type canon struct {
	b       []byte
	i       int
	out     []byte
	tmp     []byte   // reordering space for objects
	members []member // members of the objects open, innermost last
}

// member is a written object member: its decoded key and where it is in out.
type member struct {
	key        []byte
	start, end int
}

func (c *canon) skipWS() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *canon) value() {
	switch c.b[c.i] {
	case '{':
		c.object()
	case '[':
		c.array()
	case '"':
		c.str(false)
	default: // a number or a literal, up to the next delimiter
		j := c.i
		for j < len(c.b) && !isDelim(c.b[j]) {
			j++
		}
		c.out = append(c.out, c.b[c.i:j]...)
		c.i = j
	}
}

func isDelim(ch byte) bool {
	switch ch {
	case ' ', '\t', '\n', '\r', ',', ']', '}':
		return true
	}
	return false
}

func (c *canon) array() {
	c.i++
	c.out = append(c.out, '[')
	c.skipWS()
	if c.b[c.i] == ']' {
		c.i++
		c.out = append(c.out, ']')
		return
	}
	for {
		c.skipWS()
		c.value()
		c.skipWS()
		if c.b[c.i] == ',' {
			c.i++
			c.out = append(c.out, ',')
			continue
		}
		c.i++ // ']'
		c.out = append(c.out, ']')
		return
	}
}

func (c *canon) object() {
	c.i++
	c.out = append(c.out, '{')
	c.skipWS()
	if c.b[c.i] == '}' {
		c.i++
		c.out = append(c.out, '}')
		return
	}
	base, start, sorted := len(c.members), len(c.out), true
	for {
		c.skipWS()
		m := member{start: len(c.out)}
		m.key = c.str(true)
		c.skipWS()
		c.i++ // ':'
		c.out = append(c.out, ':')
		c.skipWS()
		c.value()
		m.end = len(c.out)
		if len(c.members) > base && bytes.Compare(c.members[len(c.members)-1].key, m.key) > 0 {
			sorted = false
		}
		c.members = append(c.members, m)
		c.skipWS()
		if c.b[c.i] == ',' {
			c.i++
			c.out = append(c.out, ',')
			continue
		}
		c.i++ // '}'
		break
	}
	if !sorted {
		ms := c.members[base:]
		slices.SortFunc(ms, func(x, y member) int { return bytes.Compare(x.key, y.key) })
		c.tmp = append(c.tmp[:0], c.out[start:]...)
		c.out = c.out[:start]
		for k, m := range ms {
			if k > 0 {
				c.out = append(c.out, ',')
			}
			c.out = append(c.out, c.tmp[m.start-start:m.end-start]...)
		}
	}
	c.out = append(c.out, '}')
	clear(c.members[base:])
	c.members = c.members[:base]
}

// str writes the string at c.i canonically; with key it returns its
// decoded value (a slice of the input when it has no escapes). Raw bytes are copied as
// they are: in a strict text they are valid UTF-8 other than '"', '\' and
// control characters.
func (c *canon) str(key bool) []byte {
	c.i++
	c.out = append(c.out, '"')
	start := c.i
	for c.b[c.i] != '"' && c.b[c.i] != '\\' {
		c.i++
	}
	if c.b[c.i] == '"' {
		c.out = append(c.out, c.b[start:c.i]...)
		c.out = append(c.out, '"')
		c.i++
		return c.b[start : c.i-1]
	}
	c.i = start // again, copying runs between escapes
	var dec []byte
	for {
		run := c.i
		for c.b[c.i] != '"' && c.b[c.i] != '\\' {
			c.i++
		}
		c.out = append(c.out, c.b[run:c.i]...)
		if key {
			dec = append(dec, c.b[run:c.i]...)
		}
		if c.b[c.i] == '"' {
			c.i++
			c.out = append(c.out, '"')
			return dec
		}
		var r rune
		switch e := c.b[c.i+1]; e {
		case 'u':
			r = hexRune(c.b[c.i+2 : c.i+6])
			c.i += 6
			if r >= 0xD800 && r <= 0xDBFF { // a pair: Check saw the low half
				r = 0x10000 + (r-0xD800)<<10 + (hexRune(c.b[c.i+2:c.i+6]) - 0xDC00)
				c.i += 6
			}
		default:
			r = rune(unescape[e])
			c.i += 2
		}
		if key {
			dec = utf8.AppendRune(dec, r)
		}
		switch {
		case r == '"' || r == '\\':
			c.out = append(c.out, '\\', byte(r))
		case r < 0x20:
			c.out = append(c.out, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xF])
		default:
			c.out = utf8.AppendRune(c.out, r)
		}
	}
}

const hexDigits = "0123456789abcdef"

var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func hexRune(h []byte) rune {
	var r rune
	for _, ch := range h {
		switch {
		case ch >= '0' && ch <= '9':
			ch -= '0'
		case ch >= 'a' && ch <= 'f':
			ch -= 'a' - 10
		default:
			ch -= 'A' - 10
		}
		r = r<<4 | rune(ch)
	}
	return r
}
