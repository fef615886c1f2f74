package credential

import (
	"net/http"
	"testing"
	"time"
)

// TestTotpRFC6238Vectors checks codes against the SHA-1 test vectors of
// RFC 6238 Appendix B (the last six digits of its eight-digit codes).
func TestTotpRFC6238Vectors(t *testing.T) {
	t.Parallel()
	secret := []byte("12345678901234567890")
	for unix, want := range map[int64]string{
		59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037",
	} {
		got, err := TotpCode(secret, TotpStep(time.Unix(unix, 0)))
		if err != nil || got != want {
			t.Errorf("T=%d: %q, %v; want %q", unix, got, err, want)
		}
	}
}

// TestTotpVerify: a code of the window verifies once per step; a step not
// after the last one used, a code outside the window, and malformed codes
// are refused.
func TestTotpVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("12345678901234567890")
	now := time.Unix(1234567890, 0)
	exp := Expect{TotpSecret: secret, Now: now}
	step := TotpStep(now)
	code := func(d int64) string {
		c, err := TotpCode(secret, uint64(int64(step)+d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	v := totpVerifier{}
	reg, err := v.Register(&Attestation{CredentialKind: "Totp", CredentialInfo: CredentialInfo{OtpCode: code(-1)}}, exp)
	if err != nil || reg.SignCount != uint32(step-1) || reg.Kind != KindTotp {
		t.Fatalf("register: %+v, %v", reg, err)
	}
	if _, err := v.Register(&Attestation{CredentialKind: "Totp", CredentialInfo: CredentialInfo{OtpCode: code(0)}}, Expect{Now: now}); statusOf(err) != http.StatusBadRequest {
		t.Fatalf("register without a secret: %v", err)
	}
	for name, c := range map[string]struct {
		code string
		last uint32
		want int
	}{
		"next step":          {code(1), uint32(step - 1), 0},
		"same step again":    {code(0), uint32(step), http.StatusUnauthorized},
		"earlier step":       {code(-1), uint32(step), http.StatusUnauthorized},
		"outside the window": {code(2), 0, http.StatusUnauthorized},
		"short":              {"12345", 0, http.StatusUnauthorized},
		"letters":            {"abcdef", 0, http.StatusUnauthorized},
	} {
		n, err := v.Verify(&Credential{Kind: KindTotp, SignCount: c.last}, &Assertion{Kind: "Totp", OtpCode: c.code}, exp)
		if statusOf(err) != c.want && !(c.want == 0 && err == nil) {
			t.Errorf("%s: %d, %v; want status %d", name, n, err, c.want)
		}
	}
}
