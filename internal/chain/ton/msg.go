package ton

import "github.com/custos-dev/custos/internal/apierr"

// slice reads the bits and references of a cell in order.
type slice struct {
	c   *cell
	pos int
	ref int
	bad bool
}

func (s *slice) uint(n int) uint64 {
	if s.bad || n > 64 || s.pos+n > s.c.nbits {
		s.bad = true
		return 0
	}
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<1 | uint64(s.c.bits[(s.pos+i)/8]>>(7-(s.pos+i)%8)&1)
	}
	s.pos += n
	return v
}

func (s *slice) skip(n int) {
	for n > 0 && !s.bad {
		k := min(n, 64)
		s.uint(k)
		n -= k
	}
}

func (s *slice) loadRef() *cell {
	if s.bad || s.ref >= len(s.c.refs) {
		s.bad = true
		return nil
	}
	s.ref++
	return s.c.refs[s.ref-1]
}

// external is an external-in message: its head (everything before the
// body) and its body as a cell of its own.
type external struct {
	root      *cell
	headBits  int // bits of root before the body's Either bit
	headRefs  int // references of root before the body
	workchain int8
	dest      []byte
	body      *cell
}

func errMsg(what string) error {
	return apierr.BadRequest("transaction is not an external-in message: %s does not decode", what)
}

// parseExternal reads ext_in_msg_info$10 src:MsgAddressExt
// dest:MsgAddressInt import_fee:Grams init:(Maybe (Either StateInit
// ^StateInit)) body:(Either X ^X).
func parseExternal(root *cell) (*external, error) {
	s := &slice{c: root}
	if s.uint(2) != 0b10 {
		return nil, errMsg("the message tag")
	}
	switch s.uint(2) { // src
	case 0b00:
	case 0b01:
		s.skip(int(s.uint(9)))
	default:
		return nil, errMsg("the source address")
	}
	m := &external{root: root}
	if s.uint(2) != 0b10 { // addr_std
		return nil, errMsg("the destination (a standard address)")
	}
	if s.uint(1) == 1 { // anycast
		s.skip(int(s.uint(5)))
	}
	m.workchain = int8(s.uint(8))
	m.dest = make([]byte, 32)
	for i := range m.dest {
		m.dest[i] = byte(s.uint(8))
	}
	s.skip(8 * int(s.uint(4))) // import_fee
	if s.uint(1) == 1 {        // init
		if s.uint(1) == 1 {
			s.loadRef()
		} else {
			if s.uint(1) == 1 { // split_depth
				s.skip(5)
			}
			if s.uint(1) == 1 { // special
				s.skip(2)
			}
			for range 3 { // code, data, library
				if s.uint(1) == 1 {
					s.loadRef()
				}
			}
		}
	}
	if s.bad {
		return nil, errMsg("the message head")
	}
	m.headBits, m.headRefs = s.pos, s.ref
	if s.uint(1) == 1 {
		m.body = s.loadRef()
		if s.bad || s.pos != root.nbits || s.ref != len(root.refs) {
			return nil, errMsg("the body reference")
		}
		return m, nil
	}
	var b builder
	b.slice(root.bits, s.pos, root.nbits-s.pos)
	m.body, _ = b.done(root.refs[s.ref:]...)
	return m, nil
}

// rebuild returns the message with body in place of the old one: inline
// when it fits in the root cell, as a reference otherwise.
func (m *external) rebuild(body *cell) (*cell, bool) {
	head := m.root.refs[:m.headRefs]
	var in builder
	in.slice(m.root.bits, 0, m.headBits)
	in.bit(false)
	in.slice(body.bits, 0, body.nbits)
	if c, ok := in.done(append(append([]*cell{}, head...), body.refs...)...); ok {
		return c, true
	}
	var ref builder
	ref.slice(m.root.bits, 0, m.headBits)
	ref.bit(true)
	return ref.done(append(append([]*cell{}, head...), body)...)
}
