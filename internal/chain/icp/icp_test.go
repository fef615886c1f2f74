package icp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// TestPrincipalVectors: values recorded from @dfinity/principal 3.4.3
// (Principal.selfAuthenticating(new Uint8Array([1,2,3])).toText(), and the
// management canister's empty id "aaaaa-aa").
func TestPrincipalVectors(t *testing.T) {
	t.Parallel()
	if got := principalText(selfAuthenticating([]byte{1, 2, 3})); got != "5pljz-srzc6-vkvjq-5qhpl-spxry-j7mmr-7re35-zgkeu-w7fkt-xzimg-jqe" {
		t.Fatalf("got %s", got)
	}
	if got := principalText(nil); got != "aaaaa-aa" {
		t.Fatalf("empty id: %s", got)
	}
}

func TestKeysAndKinds(t *testing.T) {
	t.Parallel()
	ec, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{2}, 32))
	ed := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	keys := []chain.Key{
		{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: ec.PubKey().SerializeCompressed()},
		{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: ed.Public().(ed25519.PublicKey)},
	}
	for _, k := range keys {
		a, err := Adapter{}.Address(NetworkOrigyn, k)
		if err != nil || len(a) != 63 {
			t.Fatalf("address %q %v", a, err)
		}
	}
	for _, kind := range []string{"Transaction", "Psbt", ""} {
		_, err := Adapter{}.Sign(context.Background(), NetworkInternetComputer, keys[0], nil, chain.Request{Kind: kind, Body: json.RawMessage(`{}`)})
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("kind %q: %v", kind, err)
		}
	}
	if err := (Adapter{}).KeyFits(NetworkInternetComputer, chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: keys[0].PublicKey}); err == nil {
		t.Error("Schnorr key accepted")
	}
}
