// Package validate holds the input rules every request body field passes
// (docs/security.md, "Input limits and operational defaults"): a length
// bound per kind of field, and no control, bidirectional or invisible
// formatting characters in text people read (names, usernames, tags,
// external ids). Each violation is a 400 whose message starts with the
// field's name.
package validate

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/custos-dev/custos/internal/apierr"
)

// Length bounds. Names and tags count characters (runes); identifiers,
// external ids and encoded data count bytes.
const (
	MaxName       = 200   // names of objects, credentials, tokens
	MaxEmail      = 254   // RFC 5321 path limit
	MaxID         = 128   // object ids, credential ids, challenge handles
	MaxExternalID = 200   // externalId (bytes)
	MaxTag        = 100   // one wallet tag
	MaxTags       = 100   // tags on one request
	MaxDNSName    = 253   // relyingPartyId
	MaxOrigin     = 2048  // origin
	MaxPEM        = 8192  // a public key in PEM
	MaxWord       = 100   // enumerated values: kind, scheme, curve, network, operation names
	MaxData       = 65536 // one encoded (hex, base64) value other than a signed message
)

// Text checks a human-readable value: at most maxRunes characters, valid
// UTF-8, no control characters (C0, DEL, C1, line and paragraph
// separators) and no bidirectional or invisible formatting controls.
func Text(field, v string, maxRunes int) error {
	if len(v) > 4*maxRunes || utf8.RuneCountInString(v) > maxRunes {
		return apierr.BadRequest("%s: must be at most %d characters", field, maxRunes)
	}
	return chars(field, v)
}

// Name checks a required name: Text, and not blank.
func Name(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return apierr.BadRequest("%s: must be a non-empty string of at most %d characters", field, MaxName)
	}
	return Text(field, v, MaxName)
}

// OptName checks an optional name (nil or "" allowed).
func OptName(field string, v *string) error {
	if v == nil {
		return nil
	}
	return Text(field, *v, MaxName)
}

// ExternalID checks an externalId: at most MaxExternalID bytes of Text.
func ExternalID(field, v string) error {
	if len(v) > MaxExternalID {
		return apierr.BadRequest("%s: must be at most %d bytes", field, MaxExternalID)
	}
	return chars(field, v)
}

// OptExternalID checks an optional externalId.
func OptExternalID(field string, v *string) error {
	if v == nil {
		return nil
	}
	return ExternalID(field, *v)
}

// Tags checks a list of wallet tags: at most MaxTags, each a non-blank
// Text of at most MaxTag characters.
func Tags(field string, tags []string) error {
	if len(tags) > MaxTags {
		return apierr.BadRequest("%s: at most %d tags", field, MaxTags)
	}
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			return apierr.BadRequest("%s: tags must be non-empty strings of at most %d characters", field, MaxTag)
		}
		if err := Text(field, t, MaxTag); err != nil {
			return err
		}
	}
	return nil
}

// ID checks an identifier the caller passes back (object ids, credential
// ids, challenge handles): 1 to MaxID bytes of printable ASCII without
// spaces. Whether it names something is for the caller to find out.
func ID(field, v string) error {
	if v == "" {
		return apierr.BadRequest("%s: is required", field)
	}
	return Printable(field, v, MaxID)
}

// OptID checks an optional identifier ("" allowed).
func OptID(field, v string) error {
	if v == "" {
		return nil
	}
	return ID(field, v)
}

// Word checks an enumerated value (kind, scheme, curve, network,
// operation): at most MaxWord bytes of printable ASCII. Whether the value
// is one of the allowed ones is for the caller to check.
func Word(field, v string) error {
	return Printable(field, v, MaxWord)
}

// Printable checks encoded data (hex, base64, ids): at most max bytes,
// each a printable ASCII character other than space.
func Printable(field, v string, max int) error {
	if len(v) > max {
		return apierr.BadRequest("%s: must be at most %d bytes", field, max)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f {
			return apierr.BadRequest("%s: must contain only printable ASCII characters", field)
		}
	}
	return nil
}

// PEM checks a PEM document (a public key): at most MaxPEM bytes of
// printable ASCII, spaces and line breaks. The caller parses it.
func PEM(field, v string) error {
	if len(v) > MaxPEM {
		return apierr.BadRequest("%s: must be at most %d bytes", field, MaxPEM)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\n' && c != '\r' && c != '\t') || c >= 0x7f {
			return apierr.BadRequest("%s: must be a PEM document (printable ASCII)", field)
		}
	}
	return nil
}

// DNSName checks a relying party id: a DNS name of at most MaxDNSName
// bytes, labels of 1 to 63 letters, digits and hyphens that neither start
// nor end with a hyphen (WebAuthn §5.4.4 "rp.id" is a valid domain).
func DNSName(field, v string) error {
	if v == "" || len(v) > MaxDNSName {
		return apierr.BadRequest("%s: must be a DNS name of at most %d characters", field, MaxDNSName)
	}
	for _, l := range strings.Split(v, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return apierr.BadRequest("%s: must be a valid DNS name", field)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return apierr.BadRequest("%s: must be a valid DNS name", field)
			}
		}
	}
	return nil
}

// Origin checks a web origin: scheme://host[:port] with scheme http or
// https, a DNS name or IP literal as host, nothing after the authority
// (RFC 6454 §6.2), at most MaxOrigin bytes.
func Origin(field, v string) error {
	if v == "" || len(v) > MaxOrigin {
		return apierr.BadRequest("%s: must be an origin (scheme://host[:port]) of at most %d characters", field, MaxOrigin)
	}
	if err := Printable(field, v, MaxOrigin); err != nil {
		return err
	}
	u, err := url.Parse(v)
	bad := apierr.BadRequest("%s: must be an origin: http or https, a host, an optional port, nothing else", field)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Opaque != "" || u.User != nil ||
		u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		strings.Contains(v, "#") {
		return bad
	}
	host := u.Hostname()
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return bad
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return bad
	}
	if net.ParseIP(host) == nil && DNSName(field, host) != nil {
		return bad
	}
	return nil
}

// chars refuses invalid UTF-8 and the characters Text forbids.
func chars(field, v string) error {
	if !utf8.ValidString(v) {
		return apierr.BadRequest("%s: must be valid UTF-8", field)
	}
	for _, r := range v {
		switch {
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029:
			return apierr.BadRequest("%s: must not contain control characters", field)
		case isFormat(r):
			return apierr.BadRequest("%s: must not contain bidirectional or invisible formatting characters", field)
		}
	}
	return nil
}

// isFormat reports whether r is a bidirectional control or an invisible
// mark that changes how text around it displays: ALM, LRM, RLM, the
// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069 and
// the byte order mark.
func isFormat(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f, r == 0xfeff:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
