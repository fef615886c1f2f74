package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"b":1,"a":2}`, `{"a":2,"b":1}`},
		{` { "a" : [ 1 , { "d" : null , "c" : true } ] } `, `{"a":[1,{"c":true,"d":null}]}`},
		{`{"z":{"y":1,"x":2},"a":[{"b":1,"a":2}]}`, `{"a":[{"a":2,"b":1}],"z":{"x":2,"y":1}}`},
		{`"\u0061\/\"\\\n\u001f\u00e9\ud83d\ude00"`, `"a/\"\\\u000a\u001fé😀"`},
		{`{"\u0062":1,"a":2}`, `{"a":2,"b":1}`},
		{`[1.0,1e2,-0,12345678901234567890]`, `[1.0,1e2,-0,12345678901234567890]`},
		{`"é"`, `"é"`},
		{`{}`, `{}`},
		{`[]`, `[]`},
	} {
		got, err := Canonical([]byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{``, ` `, `{"a":1,"a":2}`, "\"\xff\"", `{} {}`} {
		if _, err := Canonical([]byte(in)); err == nil {
			t.Errorf("Canonical(%q) accepted", in)
		}
	}
	var e *Error
	if _, err := Canonical([]byte(`{"a":1,"a":2}`)); !errors.As(err, &e) || !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("duplicate: %v", err)
	}
}

// FuzzCanonical asserts that the canonical form decodes to the same value
// (so equal forms mean equal values), that equal values give equal forms
// (re-encoding by encoding/json changes nothing), and that it is a fixed
// point.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,{"d":null,"c":"\u00e9"}]}`, `"\n\u0000\ud83d\ude00"`, `[1.5e3,-0]`, `{"a/":1,"a\/b":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Canonical(b)
		if err != nil {
			if Check(b) == nil && len(bytes.TrimLeft(b, " \t\r\n")) > 0 {
				t.Fatalf("Canonical(%q) refused a strict text: %v", b, err)
			}
			return
		}
		v := decode(t, b)
		if w := decode(t, c); !reflect.DeepEqual(v, w) {
			t.Fatalf("Canonical(%q) = %q decodes to %v, not %v", b, c, w, v)
		}
		if cc, err := Canonical(c); err != nil || !bytes.Equal(cc, c) {
			t.Fatalf("Canonical(%q) = %q, not a fixed point: %q %v", b, c, cc, err)
		}
		re, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if cr, err := Canonical(re); err != nil || !bytes.Equal(cr, c) {
			t.Fatalf("%q and its re-encoding %s have canonical forms %q and %q (%v)", b, re, c, cr, err)
		}
	})
}

func BenchmarkCanonical(b *testing.B) {
	for name, body := range benchBodies {
		in := []byte(body)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := Canonical(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	big := []byte(`{"payload":"` + strings.Repeat("abcdefgh", 100000) + `","b":1}`)
	b.Run("800kB string", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			if _, err := Canonical(big); err != nil {
				b.Fatal(err)
			}
		}
	})
}
