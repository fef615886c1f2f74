package ton

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Limits on the bags of cells Custos reads: a wallet message is a handful
// of cells.
const (
	maxCells    = 512
	maxCellBits = 1023
	maxRefs     = 4
)

var errBoC = errors.New("not a valid bag of cells")

// cell is an ordinary TON cell: up to 1023 bits and 4 references.
type cell struct {
	bits  []byte // packed, most significant bit first
	nbits int
	refs  []*cell

	hashed bool
	hash   [32]byte
	depth  uint16
}

// repr returns the cell's representation hash and depth.
func (c *cell) repr() ([32]byte, uint16) {
	if c.hashed {
		return c.hash, c.depth
	}
	h := sha256.New()
	h.Write(c.descriptors())
	h.Write(c.data())
	var depth uint16
	for _, r := range c.refs {
		_, d := r.repr()
		h.Write(binary.BigEndian.AppendUint16(nil, d))
		depth = max(depth, d+1)
	}
	for _, r := range c.refs {
		rh, _ := r.repr()
		h.Write(rh[:])
	}
	copy(c.hash[:], h.Sum(nil))
	c.depth, c.hashed = depth, true
	return c.hash, c.depth
}

func (c *cell) descriptors() []byte {
	return []byte{byte(len(c.refs)), byte((c.nbits+7)/8 + c.nbits/8)}
}

// data returns the bits padded with the completion tag (a 1, then zeros)
// when they do not fill the last byte.
func (c *cell) data() []byte {
	n := (c.nbits + 7) / 8
	out := make([]byte, n)
	copy(out, c.bits[:n])
	if c.nbits%8 != 0 {
		out[n-1] &= ^byte(0xff >> (c.nbits % 8))
		out[n-1] |= 0x80 >> (c.nbits % 8)
	}
	return out
}

// builder appends bits to a new cell.
type builder struct{ c cell }

func (b *builder) bit(v bool) {
	if b.c.nbits%8 == 0 {
		b.c.bits = append(b.c.bits, 0)
	}
	if v {
		b.c.bits[b.c.nbits/8] |= 0x80 >> (b.c.nbits % 8)
	}
	b.c.nbits++
}

func (b *builder) uint(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		b.bit(v>>i&1 == 1)
	}
}

func (b *builder) bytes(p []byte) {
	for _, x := range p {
		b.uint(uint64(x), 8)
	}
}

// slice appends nbits bits of src starting at bit from.
func (b *builder) slice(src []byte, from, nbits int) {
	for i := from; i < from+nbits; i++ {
		b.bit(src[i/8]&(0x80>>(i%8)) != 0)
	}
}

func (b *builder) done(refs ...*cell) (*cell, bool) {
	if b.c.nbits > maxCellBits || len(refs) > maxRefs {
		return nil, false
	}
	c := b.c
	c.refs = refs
	return &c, true
}

// parseBoC reads a bag of cells with exactly one root.
func parseBoC(b []byte) (*cell, error) {
	r := &byteReader{b: b}
	if binary.BigEndian.Uint32(r.take(4)) != 0xb5ee9c72 {
		return nil, errBoC
	}
	flags := r.take(1)[0]
	hasIdx, hasCRC, size := flags&0x80 != 0, flags&0x40 != 0, int(flags&7)
	offBytes := int(r.take(1)[0])
	if r.bad || size < 1 || size > 4 || offBytes < 1 || offBytes > 8 {
		return nil, errBoC
	}
	ncells, roots, absent := r.n(size), r.n(size), r.n(size)
	total := r.n(offBytes)
	if ncells < 1 || ncells > maxCells || roots != 1 || absent != 0 {
		return nil, errBoC
	}
	if r.n(size) != 0 { // the root is cell 0
		return nil, errBoC
	}
	if hasIdx {
		r.take(ncells * offBytes)
	}
	start := r.off
	type raw struct {
		c    *cell
		refs []int
	}
	cells := make([]raw, ncells)
	for i := range cells {
		d := r.take(2)
		if r.bad {
			return nil, errBoC
		}
		nrefs, exotic, level := int(d[0]&7), d[0]&8 != 0, d[0]>>5
		if exotic || level != 0 || nrefs > maxRefs {
			return nil, errBoC
		}
		data := r.take((int(d[1]) + 1) / 2)
		c := &cell{bits: append([]byte(nil), data...), nbits: len(data) * 8}
		if d[1]%2 == 1 {
			last := data[len(data)-1]
			if last == 0 {
				return nil, errBoC
			}
			tz := 0
			for last&1 == 0 {
				last >>= 1
				tz++
			}
			c.nbits -= tz + 1
		}
		if c.nbits > maxCellBits {
			return nil, errBoC
		}
		cells[i].c = c
		for range nrefs {
			ref := r.n(size)
			if ref <= i || ref >= ncells {
				return nil, errBoC
			}
			cells[i].refs = append(cells[i].refs, ref)
		}
	}
	if r.bad || r.off-start != total {
		return nil, errBoC
	}
	if hasCRC {
		sum := crc32.Checksum(b[:r.off], crcTable)
		if binary.LittleEndian.Uint32(r.take(4)) != sum {
			return nil, errBoC
		}
	}
	if r.bad || r.off != len(b) {
		return nil, errBoC
	}
	for i := len(cells) - 1; i >= 0; i-- {
		for _, ref := range cells[i].refs {
			cells[i].c.refs = append(cells[i].c.refs, cells[ref].c)
		}
	}
	return cells[0].c, nil
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// serializeBoC writes root and its tree as a bag of cells with a CRC32C,
// parents before children, shared cells once.
func serializeBoC(root *cell) []byte {
	var order []*cell
	seen := map[*cell]bool{}
	var visit func(c *cell)
	visit = func(c *cell) {
		if seen[c] {
			return
		}
		seen[c] = true
		for _, r := range c.refs {
			visit(r)
		}
		order = append(order, c)
	}
	visit(root)
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	index := map[*cell]int{}
	for i, c := range order {
		index[c] = i
	}
	size := bytesFor(uint64(len(order)))
	var body []byte
	for _, c := range order {
		body = append(body, c.descriptors()...)
		body = append(body, c.data()...)
		for _, r := range c.refs {
			body = appendN(body, uint64(index[r]), size)
		}
	}
	off := bytesFor(uint64(len(body)))
	out := []byte{0xb5, 0xee, 0x9c, 0x72, 0x40 | byte(size), byte(off)}
	out = appendN(out, uint64(len(order)), size)
	out = appendN(out, 1, size)
	out = appendN(out, 0, size)
	out = appendN(out, uint64(len(body)), off)
	out = appendN(out, 0, size)
	out = append(out, body...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, crcTable))
}

func bytesFor(v uint64) int {
	n := 1
	for v >= 1<<(8*n) && n < 8 {
		n++
	}
	return n
}

func appendN(b []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

type byteReader struct {
	b   []byte
	off int
	bad bool
}

func (r *byteReader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b)-r.off {
		r.bad = true
		return make([]byte, max(n, 0))
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *byteReader) n(size int) int {
	var v int
	for _, x := range r.take(size) {
		v = v<<8 | int(x)
	}
	return v
}
