package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheck(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	tooDeep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	manyObj := "{" + strings.Join(many, ",") + "}"
	manyDup := "{" + strings.Join(many, ",") + `,"k0":2}`
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"empty", "", nil},
		{"whitespace", " \t\r\n", nil},
		{"object", `{"kind":"Hash","hash":"0xaa"}`, nil},
		{"spaced", " { \"a\" : [ 1 , 2 ] } \n", nil},
		{"scalars", `[true,false,null,"",0,-0,1.5,-2e10,3E+2,4e-1,12345678901234567890]`, nil},
		{"unicode", `{"é":"日本","emoji":"😀","esc":"\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r"}`, nil},
		{"same key in sibling objects", `[{"a":1},{"a":2}]`, nil},
		{"same key at other depth", `{"a":{"a":{"a":1}}}`, nil},
		{"keys differing by case", `{"a":1,"A":2}`, nil},
		{"many keys", manyObj, nil},
		{"deep nesting", deep, nil},
		{"empty key once", `{"":1}`, nil},
		{"top-level string", `"x"`, nil},
		{"duplicate", `{"kind":"Hash","hash":"0xbb","hash":"0xaa"}`, ErrDuplicateKey},
		{"duplicate nested in array", `[1,{"x":{"a":1,"b":2,"a":3}}]`, ErrDuplicateKey},
		{"duplicate after nested object", `{"a":{"b":1},"a":2}`, ErrDuplicateKey},
		{"escaped equal keys", `{"a":1,"\u0061":2}`, ErrDuplicateKey},
		{"escaped equal keys (slash)", `{"a/b":1,"a\/b":2}`, ErrDuplicateKey},
		{"escaped equal keys (surrogates)", `{"😀":1,"\ud83d\ude00":2}`, ErrDuplicateKey},
		{"duplicate empty key", `{"":1,"":2}`, ErrDuplicateKey},
		{"duplicate among many keys", manyDup, ErrDuplicateKey},
		{"raw 0xFF in string", "{\"a\":\"\xff\"}", ErrInvalidUTF8},
		{"raw 0xFF in key", "{\"\xff\":1}", ErrInvalidUTF8},
		{"overlong encoding", "\"\xc0\xaf\"", ErrInvalidUTF8},
		{"encoded surrogate", "\"\xed\xa0\x80\"", ErrInvalidUTF8},
		{"truncated rune", "\"\xe6\x97\"", ErrInvalidUTF8},
		{"lone high surrogate", `"\ud800"`, ErrInvalidUTF8},
		{"lone low surrogate", `"\udc00"`, ErrInvalidUTF8},
		{"high surrogate then letter", `"\ud800\u0041"`, ErrInvalidUTF8},
		{"trailing object", `{"a":1}{"a":1}`, ErrTrailingData},
		{"trailing word", `{"a":1} x`, ErrTrailingData},
		{"trailing number", `1 2`, ErrTrailingData},
		{"leading zero", `01`, ErrTrailingData},
		{"too deep", tooDeep, ErrTooDeep},
		{"unterminated", `{"a":`, ErrSyntax},
		{"unterminated string", `"abc`, ErrSyntax},
		{"trailing comma", `[1,]`, ErrSyntax},
		{"single quotes", `{'a':1}`, ErrSyntax},
		{"control char in string", "\"a\x01\"", ErrSyntax},
		{"bad escape", `"\x"`, ErrSyntax},
		{"short unicode escape", `"\u12"`, ErrSyntax},
		{"bare minus", `-`, ErrSyntax},
		{"missing exponent digits", `1e`, ErrSyntax},
		{"missing fraction digits", `1.`, ErrSyntax},
		{"misspelt literal", `nul`, ErrSyntax},
		{"bom", "\xef\xbb\xbf{}", ErrSyntax},
		{"key not a string", `{1:2}`, ErrSyntax},
		{"not json", `not json`, ErrSyntax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.in))
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Check(%.40q) = %v, want %v", tc.in, err, tc.want)
			}
			var e *Error
			if err != nil && (!errors.As(err, &e) || e.Offset < 0 || e.Offset > len(tc.in)) {
				t.Fatalf("error %v has no offset within the input", err)
			}
		})
	}
}

func TestErrorNamesKey(t *testing.T) {
	err := Check([]byte(`{"kind":"Hash","hash":"0xbb","hash":"0xaa"}`))
	var e *Error
	if !errors.As(err, &e) || e.Key != "hash" || e.Offset != 29 || !strings.Contains(err.Error(), `"hash"`) {
		t.Fatalf("error = %#v (%v)", e, err)
	}
}

// surrogateEscape finds a \u escape of a surrogate half (possibly a false
// positive after an escaped backslash, which only loosens the oracle).
var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F][0-9a-fA-F]{2}`)

// FuzzCheck asserts the contract: what Check accepts, encoding/json decodes
// to a value that survives a re-encoding, with no repeated key; what Check
// refuses has the reason it names.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, "\"\xff\"", `"\ud800"`,
		`{"a":1} x`, `[1,{"b":[true,null,"\u00e9"]},-1.5e3]`, `{"a":{"b":1},"b":{"a":2}}`, `01`, `"\ud83d\ude00"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := Check(b)
		blank := len(bytes.TrimLeft(b, " \t\r\n")) == 0
		switch {
		case err == nil && blank:
		case err == nil:
			if !json.Valid(b) || !utf8.Valid(b) {
				t.Fatalf("accepted %q, which encoding/json refuses or is not UTF-8", b)
			}
			if d := firstDuplicate(b); d != "" {
				t.Fatalf("accepted %q with the duplicate key %q", b, d)
			}
			v1 := decode(t, b)
			re, err := json.Marshal(v1)
			if err != nil {
				t.Fatalf("re-encode %q: %v", b, err)
			}
			if v2 := decode(t, re); !reflect.DeepEqual(v1, v2) {
				t.Fatalf("%q decodes to %v, its re-encoding %s to %v", b, v1, re, v2)
			}
		case errors.Is(err, ErrDuplicateKey):
			if firstDuplicate(b) == "" {
				t.Fatalf("%q: %v, but no key repeats", b, err)
			}
		case errors.Is(err, ErrInvalidUTF8):
			if utf8.Valid(b) && !surrogateEscape.Match(b) {
				t.Fatalf("%q: %v, but it is valid UTF-8 without surrogate escapes", b, err)
			}
		case errors.Is(err, ErrTrailingData):
			// One value, then something that is not whitespace.
			var e *Error
			if !errors.As(err, &e) || !json.Valid(b[:e.Offset]) || e.Offset >= len(b) ||
				bytes.IndexByte([]byte(" \t\r\n"), b[e.Offset]) >= 0 {
				t.Fatalf("%q: %v, but there is not one value then more", b, err)
			}
		case errors.Is(err, ErrTooDeep):
			if bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) <= MaxDepth {
				t.Fatalf("%q: %v", b, err)
			}
		case errors.Is(err, ErrSyntax):
			if json.Valid(b) {
				t.Fatalf("%q: %v, but encoding/json accepts it", b, err)
			}
		default:
			t.Fatalf("%q: unexpected error %v", b, err)
		}
	})
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return v
}

// firstDuplicate walks b with encoding/json's tokenizer and returns the
// first key that repeats within one object ("" when none does, or when the
// text is not JSON before that).
func firstDuplicate(b []byte) string {
	d := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // the next token in this object is a key
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err == io.EOF || err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.key {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return k + "\x00" // non-empty even for the key ""
				}
				top.keys[k] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			if top != nil && top.obj {
				top.key = true
			}
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, key: true})
		case json.Delim('['):
			if top != nil && top.obj {
				top.key = true
			}
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			if top != nil && top.obj {
				top.key = true
			}
		}
	}
}

var benchBodies = map[string]string{
	"signature": `{"kind":"Hash","hash":"0x031edd7d41651593c5fe5c006fa5752b37fddff7bc4e843aa6af0c950f4b9406","externalId":"ext-1234"}`,
	"wallet":    `{"network":"EthereumSepolia","name":"my wallet \u00e9","tags":["a","b","c"],"delayDelivery":false}`,
}

func BenchmarkCheck(b *testing.B) {
	for name, body := range benchBodies {
		in := []byte(body)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if err := Check(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	big := []byte(`{"payload":"` + strings.Repeat("abcdefgh", 100000) + `"}`)
	b.Run("800kB string", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			if err := Check(big); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Valid signature (reference)", func(b *testing.B) {
		in := []byte(benchBodies["signature"])
		b.ReportAllocs()
		for b.Loop() {
			json.Valid(in)
		}
	})
}
