package pemkey

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"testing"
)

// nodeCheck is one job for the Node verifier below.
type nodeCheck struct {
	Name string `json:"name"`
	Priv string `json:"priv,omitempty"` // PKCS#8 PEM we wrote; Node parses it and signs Msg
	Pub  string `json:"pub"`            // public PEM; Node verifies Sig with it
	Msg  string `json:"msg"`
	Sig  string `json:"sig"` // hex of our signature
}

// nodeVerify is run by Node: for each job it verifies our signature with
// crypto.verify(undefined, …) and, when a private key is given, checks that
// Node reads our PKCS#8 export, that it matches the public key and returns a
// fresh Node signature for us to verify.
const nodeVerify = `
const crypto = require('node:crypto')
const jobs = JSON.parse(require('node:fs').readFileSync(0, 'utf8'))
const out = jobs.map((j) => {
  const r = { name: j.name, ok: crypto.verify(undefined, Buffer.from(j.msg), j.pub, Buffer.from(j.sig, 'hex')) }
  if (j.priv) {
    const k = crypto.createPrivateKey(j.priv)
    r.samePub = crypto.createPublicKey(k).export({ type: 'spki', format: 'pem' }) ===
      crypto.createPublicKey(j.pub).export({ type: 'spki', format: 'pem' })
    r.nodeSig = crypto.sign(undefined, Buffer.from(j.msg), k).toString('hex')
  }
  return r
})
process.stdout.write(JSON.stringify(out))
`

// TestNodeVerifiesOurKeys has Node (a different implementation) check our
// signatures, our PKCS#8 and SPKI exports of freshly generated keys, and the
// fixture keys we parsed; skipped when node is not installed.
func TestNodeVerifiesOurKeys(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	msg := `{"challenge":"Y2hhbGxlbmdl","crossOrigin":false,"type":"key.get"}`
	var jobs []nodeCheck
	pubs := map[string]*PublicKey{}
	for _, a := range []Algo{Ed25519, P256, Secp256k1, RSA} {
		k, err := Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := k.Sign([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		privPEM, err := k.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		name := "generated " + string(a)
		pubs[name] = k.Public()
		jobs = append(jobs, nodeCheck{Name: name, Priv: privPEM, Pub: k.Public().MarshalPEM(), Msg: msg, Sig: hex.EncodeToString(sig)})
	}
	for _, f := range keyFixtures {
		k, err := ParsePrivate(readFixture(t, f.priv))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := k.Sign([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, nodeCheck{Name: f.priv, Pub: readFixture(t, f.pub), Msg: msg, Sig: hex.EncodeToString(sig)})
	}
	in, _ := json.Marshal(jobs)
	cmd := exec.Command(node, "-e", nodeVerify)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var results []struct {
		Name    string
		OK      bool
		SamePub *bool
		NodeSig string
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(jobs) {
		t.Fatalf("node answered %d of %d jobs", len(results), len(jobs))
	}
	for _, r := range results {
		if !r.OK {
			t.Errorf("%s: Node rejects our signature", r.Name)
		}
		if pub := pubs[r.Name]; pub != nil {
			if r.SamePub == nil || !*r.SamePub {
				t.Errorf("%s: Node reads a different key from our PKCS#8 export", r.Name)
			}
			if err := pub.Verify([]byte(msg), mustHex(t, r.NodeSig), ""); err != nil {
				t.Errorf("%s: Node's signature with our exported key: %v", r.Name, err)
			}
		}
	}
}
