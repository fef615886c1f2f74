// Package strictjson checks that a JSON text means one thing to every
// reader: well-formed (RFC 8259), valid UTF-8 throughout (no lone surrogate
// escapes either), no object with the same key twice (after decoding
// escapes, so "a" and "\u0061" are the same key) and nothing after the
// value. Readers disagree about the others: encoding/json keeps the last
// of two equal keys and turns invalid UTF-8 into U+FFFD, so two different
// texts would decode to the same value, and a signature over one would
// pass for the other (RFC 8259 §4 and §8.1;
// docs/protocol/auth.md §3.4).
package strictjson

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// The reasons a text is refused; Check's errors wrap one of them.
var (
	ErrSyntax       = errors.New("not valid JSON")
	ErrDuplicateKey = errors.New("duplicate object key")
	ErrInvalidUTF8  = errors.New("invalid UTF-8")
	ErrTrailingData = errors.New("data after the JSON value")
	ErrTooDeep      = errors.New("nested too deeply")
)

// MaxDepth is the deepest nesting of arrays and objects accepted, that of
// encoding/json.
const MaxDepth = 10000

// Error says why and where a text was refused.
type Error struct {
	Err    error  // one of the Err* reasons
	Offset int    // byte offset of the problem
	Key    string // the repeated key, for ErrDuplicateKey (shortened)
}

func (e *Error) Error() string {
	if e.Err == ErrDuplicateKey {
		return fmt.Sprintf("%v %s at byte %d", e.Err, strconv.QuoteToASCII(e.Key), e.Offset)
	}
	return fmt.Sprintf("%v at byte %d", e.Err, e.Offset)
}

func (e *Error) Unwrap() error { return e.Err }

// Check returns nil when b is empty, only whitespace, or exactly one strict
// JSON value (surrounded by optional whitespace); otherwise an *Error.
func Check(b []byte) error {
	s := scanners.Get().(*scanner)
	s.b, s.i, s.depth, s.err = b, 0, 0, nil
	s.skipWS()
	if s.i < len(b) {
		s.value()
		if s.err == nil {
			s.skipWS()
			if s.i < len(b) {
				s.fail(ErrTrailingData, s.i)
			}
		}
	}
	err := s.err
	if cap(s.keys) <= 1024 { // a huge object's key list is not kept
		clear(s.keys[:cap(s.keys)])
		s.b, s.keys = nil, s.keys[:0]
		scanners.Put(s)
	}
	if err != nil {
		return err
	}
	return nil
}

var scanners = sync.Pool{New: func() any { return &scanner{keys: make([][]byte, 0, 32)} }}

// scanner walks the text once. keys holds the decoded keys of the objects
// open on the path to the current value, innermost last; they point into
// the input unless a key had escapes.
type scanner struct {
	b     []byte
	i     int
	depth int
	keys  [][]byte
	err   *Error
}

// mapAfter is the number of keys past which an object checks duplicates
// with a map instead of comparing with each earlier key.
const mapAfter = 16

func (s *scanner) fail(reason error, at int) {
	if s.err == nil {
		s.err = &Error{Err: reason, Offset: at}
	}
}

func (s *scanner) skipWS() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value() {
	if s.i >= len(s.b) {
		s.fail(ErrSyntax, s.i)
		return
	}
	switch c := s.b[s.i]; {
	case c == '{':
		s.object()
	case c == '[':
		s.array()
	case c == '"':
		s.str(false)
	case c == '-' || c >= '0' && c <= '9':
		s.number()
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	default:
		s.fail(ErrSyntax, s.i)
	}
}

func (s *scanner) literal(lit string) {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		s.fail(ErrSyntax, s.i)
		return
	}
	s.i += len(lit)
}

func (s *scanner) enter() bool {
	s.depth++
	if s.depth > MaxDepth {
		s.fail(ErrTooDeep, s.i)
		return false
	}
	s.i++ // the opening bracket
	s.skipWS()
	return true
}

func (s *scanner) array() {
	if !s.enter() {
		return
	}
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return
	}
	for s.err == nil {
		s.value()
		s.skipWS()
		if !s.next(']') {
			return
		}
	}
}

// next consumes the ',' or the closing bracket after a member and reports
// whether another member follows.
func (s *scanner) next(closing byte) bool {
	if s.err != nil {
		return false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',':
			s.i++
			s.skipWS()
			return true
		case closing:
			s.i++
			s.depth--
			return false
		}
	}
	s.fail(ErrSyntax, s.i)
	return false
}

func (s *scanner) object() {
	if !s.enter() {
		return
	}
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return
	}
	base := len(s.keys)
	defer func() { s.keys = s.keys[:base] }()
	var seen map[string]struct{}
	for s.err == nil {
		at := s.i
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			s.fail(ErrSyntax, s.i)
			return
		}
		key := s.str(true)
		if s.err != nil {
			return
		}
		if s.duplicate(&seen, base, key) {
			k := key
			if len(k) > 64 {
				k = k[:64]
			}
			s.fail(ErrDuplicateKey, at)
			s.err.Key = string(k)
			return
		}
		s.skipWS()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			s.fail(ErrSyntax, s.i)
			return
		}
		s.i++
		s.skipWS()
		s.value()
		s.skipWS()
		if !s.next('}') {
			return
		}
	}
}

// duplicate records key among the keys of the object whose keys start at
// base, and reports whether it was there already.
func (s *scanner) duplicate(seen *map[string]struct{}, base int, key []byte) bool {
	if *seen != nil {
		if _, ok := (*seen)[string(key)]; ok {
			return true
		}
		(*seen)[string(key)] = struct{}{}
		return false
	}
	for _, k := range s.keys[base:] {
		if bytes.Equal(k, key) {
			return true
		}
	}
	s.keys = append(s.keys, key)
	if len(s.keys)-base > mapAfter {
		*seen = make(map[string]struct{}, 2*mapAfter)
		for _, k := range s.keys[base:] {
			(*seen)[string(k)] = struct{}{}
		}
	}
	return false
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() {
	b := s.b
	if b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(b) && b[s.i] == '0':
		s.i++
	case s.i < len(b) && b[s.i] >= '1' && b[s.i] <= '9':
		s.digits()
	default:
		s.fail(ErrSyntax, s.i)
		return
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		s.digits()
	}
}

// digits scans one or more digits.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == start {
		s.fail(ErrSyntax, s.i)
		return false
	}
	return true
}
