package strictjson

import "unicode/utf8"

// str scans the string at s.i; with keep it returns its decoded value (a
// slice of the input when it has no escapes).
func (s *scanner) str(keep bool) []byte {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v
		case c == '\\':
			return s.escaped(start, keep)
		case c < 0x20:
			s.fail(ErrSyntax, s.i)
			return nil
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				s.fail(ErrInvalidUTF8, s.i)
				return nil
			}
			s.i += n
		}
	}
	s.fail(ErrSyntax, s.i)
	return nil
}

// escaped finishes a string that has an escape at s.i; with keep it
// decodes it into a new slice (only keys need the value).
func (s *scanner) escaped(start int, keep bool) []byte {
	var out []byte
	if keep {
		out = append(make([]byte, 0, s.i-start+16), s.b[start:s.i]...)
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out
		case c == '\\':
			if s.i+1 >= len(s.b) {
				s.fail(ErrSyntax, s.i)
				return nil
			}
			at := s.i
			e := s.b[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				if keep {
					out = append(out, e)
				}
			case 'b':
				out = appendIf(keep, out, '\b')
			case 'f':
				out = appendIf(keep, out, '\f')
			case 'n':
				out = appendIf(keep, out, '\n')
			case 'r':
				out = appendIf(keep, out, '\r')
			case 't':
				out = appendIf(keep, out, '\t')
			case 'u':
				r, ok := s.hex4()
				if !ok {
					return nil
				}
				switch {
				case r >= 0xDC00 && r <= 0xDFFF:
					s.fail(ErrInvalidUTF8, at) // a low surrogate alone
					return nil
				case r >= 0xD800 && r <= 0xDBFF:
					if s.i+1 >= len(s.b) || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
						s.fail(ErrInvalidUTF8, at) // a high surrogate alone
						return nil
					}
					s.i += 2
					lo, ok := s.hex4()
					if !ok {
						return nil
					}
					if lo < 0xDC00 || lo > 0xDFFF {
						s.fail(ErrInvalidUTF8, at)
						return nil
					}
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				}
				if keep {
					out = utf8.AppendRune(out, r)
				}
			default:
				s.fail(ErrSyntax, at)
				return nil
			}
		case c < 0x20:
			s.fail(ErrSyntax, s.i)
			return nil
		case c < utf8.RuneSelf:
			out = appendIf(keep, out, c)
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				s.fail(ErrInvalidUTF8, s.i)
				return nil
			}
			if keep {
				out = append(out, s.b[s.i:s.i+n]...)
			}
			s.i += n
		}
	}
	s.fail(ErrSyntax, s.i)
	return nil
}

func appendIf(keep bool, out []byte, c byte) []byte {
	if keep {
		return append(out, c)
	}
	return out
}

// hex4 reads the four hex digits of a \u escape.
func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		s.fail(ErrSyntax, s.i)
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			s.fail(ErrSyntax, s.i)
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.i += 4
	return r, true
}
