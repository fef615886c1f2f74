package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
)

// An action challenge is not stored: its handle carries it under a MAC
// (docs/protocol/auth.md §3.1). Any change to the handle — its state (here
// the path it is for), its challenge id (which names the user action it
// may yield), its key id, its MAC — makes it invalid.
func TestSealedChallengeCannotBeAltered(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	ch, err := sa.ActionInit(ctx, "POST", "/permissions", []byte(permBody("sealed")))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(ch.ChallengeIdentifier, ".")
	if len(parts) != 4 {
		t.Fatalf("handle %q: want 4 parts", ch.ChallengeIdentifier)
	}
	enc := base64.RawURLEncoding
	state, err := enc.DecodeString(parts[2])
	if err != nil || !strings.Contains(string(state), `"/permissions"`) {
		t.Fatalf("state %q: %v", state, err)
	}
	moved := enc.EncodeToString([]byte(strings.Replace(string(state), `"/permissions"`, `"/permissionz"`, 1)))
	alter := map[string]string{
		"state":        parts[0] + "." + parts[1] + "." + moved + "." + parts[3],
		"challenge id": otherLast(parts[0]) + "." + parts[1] + "." + parts[2] + "." + parts[3],
		"key id":       parts[0] + ".kid-unknown." + parts[2] + "." + parts[3],
		"mac":          parts[0] + "." + parts[1] + "." + parts[2] + "." + enc.EncodeToString(make([]byte, 32)),
	}
	a, err := sa.Signer.Sign(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	for what, h := range alter {
		_, err := sa.ActionComplete(ctx, h, a)
		if apitest.Status(err) != http.StatusBadRequest {
			t.Errorf("handle with altered %s: %v, want 400", what, err)
		}
	}
	// The genuine handle still completes once.
	if _, err := sa.ActionComplete(ctx, ch.ChallengeIdentifier, a); err != nil {
		t.Fatalf("genuine handle: %v", err)
	}
}

// otherLast returns s with its last character replaced by another one.
func otherLast(s string) string {
	c := byte('x')
	if s[len(s)-1] == c {
		c = 'y'
	}
	return s[:len(s)-1] + string(c)
}
