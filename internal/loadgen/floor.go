package loadgen

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// The floor is what the bare machinery of a signed flow costs here, with
// none of Custos in it: three JSON requests on net/http shaped like init,
// complete and sign, one Ed25519 verification and one Ed25519 signature,
// and no authentication, bookkeeping or storage. Running `custos bench
// --floor` against `custos floor` measures it the way the real flow is
// measured, so the distance between the two is what Custos itself costs.

// floorKey signs in the floor's sign step; floorCred stands for the
// credential whose signature the complete step verifies. The load tool and
// the floor server run as two processes, so the credential comes from a
// fixed seed both know (it guards nothing).
var (
	_, floorKey, _ = ed25519.GenerateKey(rand.Reader)
	floorCred      = ed25519.NewKeyFromSeed([]byte("custos floor credential, public."))
	floorCredPub   = floorCred.Public().(ed25519.PublicKey)
)

// FloorHandler serves the three floor endpoints.
func FloorHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /floor/init", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Payload string `json:"userActionPayload"`
			Method  string `json:"userActionHttpMethod"`
			Path    string `json:"userActionHttpPath"`
		}
		if !floorRead(w, r, &in) {
			return
		}
		floorWrite(w, map[string]any{
			"challenge": strings.Repeat("x", 43), "challengeIdentifier": strings.Repeat("c", 90),
			"allowCredentials":         map[string]any{"key": []any{map[string]string{"type": "public-key", "id": "floor"}}, "webauthn": []any{}},
			"supportedCredentialKinds": []any{map[string]string{"kind": "Key", "factor": "first"}},
			"userVerification":         "required", "attestation": "none",
		})
	})
	mux.HandleFunc("POST /floor/complete", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ChallengeIdentifier string `json:"challengeIdentifier"`
			FirstFactor         struct {
				Kind                string `json:"kind"`
				CredentialAssertion struct {
					CredID     string `json:"credId"`
					ClientData string `json:"clientData"`
					Signature  string `json:"signature"`
				} `json:"credentialAssertion"`
			} `json:"firstFactor"`
		}
		if !floorRead(w, r, &in) {
			return
		}
		cd, err1 := base64.RawURLEncoding.DecodeString(in.FirstFactor.CredentialAssertion.ClientData)
		sig, err2 := base64.RawURLEncoding.DecodeString(in.FirstFactor.CredentialAssertion.Signature)
		if err1 != nil || err2 != nil || !ed25519.Verify(floorCredPub, cd, sig) {
			http.Error(w, `{"error":"bad signature"}`, http.StatusUnauthorized)
			return
		}
		floorWrite(w, map[string]string{"userAction": strings.Repeat("u", 90)})
	})
	mux.HandleFunc("POST /floor/sign", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		}
		if !floorRead(w, r, &in) {
			return
		}
		msg, err := hex.DecodeString(strings.TrimPrefix(in.Message, "0x"))
		if err != nil {
			http.Error(w, `{"error":"bad message"}`, http.StatusBadRequest)
			return
		}
		sig := ed25519.Sign(floorKey, msg)
		floorWrite(w, map[string]any{
			"id": strings.Repeat("s", 30), "status": "Signed", "requestBody": in,
			"signature":  map[string]string{"r": "0x" + hex.EncodeToString(sig[:32]), "s": "0x" + hex.EncodeToString(sig[32:])},
			"dateSigned": time.Now().UTC().Format(time.RFC3339Nano),
		})
	})
	return mux
}

func floorRead(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		http.Error(w, `{"error":"bad body"}`, http.StatusBadRequest)
		return false
	}
	return true
}

func floorWrite(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// floorFlow is one worker's floor flow: the same three requests as a real
// flow, with bodies of the same shape and size; the complete step carries
// a real signature for the server to verify.
type floorFlow struct {
	conn     *conn
	init     []byte
	complete []byte
	sign     []byte
}

func newFloorFlow(t *target) (*floorFlow, error) {
	payload := `{"kind":"Message","message":"0x` + strings.Repeat("ab", 32) + `"}`
	init, err := json.Marshal(map[string]string{"userActionPayload": payload, "userActionHttpMethod": "POST",
		"userActionHttpPath": "/keys/" + strings.Repeat("k", 30) + "/signatures", "userActionServerKind": "Api"})
	if err != nil {
		return nil, err
	}
	cd := []byte(`{"challenge":"` + strings.Repeat("x", 43) + `","crossOrigin":false,"type":"key.get"}`)
	complete, err := json.Marshal(map[string]any{"challengeIdentifier": strings.Repeat("c", 90), "firstFactor": map[string]any{
		"kind": "Key", "credentialAssertion": map[string]string{"credId": "floor",
			"clientData": base64.RawURLEncoding.EncodeToString(cd),
			"signature":  base64.RawURLEncoding.EncodeToString(ed25519.Sign(floorCred, cd))}}})
	if err != nil {
		return nil, err
	}
	return &floorFlow{conn: newConn(t), init: init, complete: complete, sign: []byte(payload)}, nil
}

func (f *floorFlow) run(_ context.Context, deadline time.Time) error {
	if err := f.conn.begin(deadline); err != nil {
		return err
	}
	for _, step := range []struct {
		path string
		body []byte
	}{{"/floor/init", f.init}, {"/floor/complete", f.complete}, {"/floor/sign", f.sign}} {
		if _, err := f.conn.post(step.path, step.body, ""); err != nil {
			return errors.New("floor " + step.path + ": " + err.Error())
		}
	}
	return nil
}
