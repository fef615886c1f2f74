package evm

import (
	"encoding/json"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// mailDigest is the digest of the Mail example in the EIP-712 spec
// (eips.ethereum.org/EIPS/eip-712, its test vector "Ether Mail").
const mailDigest = "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"

const mailTypes = `{
  "Person": [{"name":"name","type":"string"},{"name":"wallet","type":"address"}],
  "Mail": [{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]}`

const mailMessage = `{
  "from": {"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
  "to": {"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
  "contents": "Hello, Bob!"}`

const mailDomain = `{"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"}`

func TestSignTypedData(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	if v.MailDigest != mailDigest {
		t.Fatalf("ethers vector %s differs from the EIP-712 spec digest", v.MailDigest)
	}
	// The Dfns docs' Eip712 sample body (with salt, lower-case addresses).
	dfnsBody := `{"kind":"Eip712",
	  "types":` + mailTypes + `,
	  "domain":{"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0x1b352de7a926ebd1bf52194dab487c2cb0793a9b","salt":"0xf2d857f4a3edcb9b78b4d503bfe733db1e3f6cdc2b7971ee739626c97e86a558"},
	  "message":{"from":{"name":"Chris","wallet":"0x00e3495cf6af59008f22ffaf32d4c92ac33dac47"},"to":{"name":"Bob","wallet":"0xcc0ee1a1c5e788b61916c8f1c96c960f9a9d3db7"},"contents":"Hello, Bob!"}}`
	// Big integers as a JSON number, a string and hex; arrays; bytes; bool; int.
	permitBody := `{"kind":"Eip712",
	  "types":{"Permit":[{"name":"owner","type":"address"},{"name":"spender","type":"address"},{"name":"value","type":"uint256"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"},{"name":"tags","type":"bytes32[]"},{"name":"memo","type":"bytes"},{"name":"ok","type":"bool"},{"name":"delta","type":"int64"}]},
	  "domain":{"name":"Token","chainId":"137"},
	  "message":{"owner":"` + web3Address + `","spender":"0x1111111111111111111111111111111111111111",
	    "value":115792089237316195423570985008687907853269984665640564039457584007913129639935,
	    "nonce":"7","deadline":"0x6553f100",
	    "tags":["0xabababababababababababababababababababababababababababababababab","0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"],
	    "memo":"0xdeadbeef","ok":true,"delta":-5}}`
	for _, tc := range []struct {
		name, body, digest, sig string
	}{
		{"spec mail", `{"kind":"Eip712","types":` + mailTypes + `,"domain":` + mailDomain + `,"message":` + mailMessage + `}`, mailDigest, v.MailSig},
		{"spec mail, explicit primaryType and EIP712Domain",
			`{"kind":"Eip712","primaryType":"Mail","types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
			"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},
			"domain":` + mailDomain + `,"message":` + mailMessage + `}`, mailDigest, v.MailSig},
		{"dfns docs sample", dfnsBody, v.DfnsMailDigest, v.DfnsMailSig},
		{"permit", permitBody, v.PermitDigest, v.PermitSig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSign(t, "Ethereum", "Eip712", tc.body)
			checkSignature(t, res, mustHex(t, tc.digest), common.HexToAddress(web3Address))
			if res.Signature.Encoded != tc.sig {
				t.Errorf("encoded %s, ethers signTypedData gives %s", res.Signature.Encoded, tc.sig)
			}
		})
	}
}

// TestMailDigestGoEthereum cross-checks the spec digest with go-ethereum's
// own TypedDataAndHash on a fully specified TypedData.
func TestMailDigestGoEthereum(t *testing.T) {
	t.Parallel()
	var td apitypes.TypedData
	err := json.Unmarshal([]byte(`{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
	  "Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},
	  "primaryType":"Mail","domain":`+mailDomain+`,"message":`+mailMessage+`}`), &td)
	if err != nil {
		t.Fatal(err)
	}
	digest, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		t.Fatal(err)
	}
	if hex0x(digest) != mailDigest {
		t.Fatalf("go-ethereum digest %x", digest)
	}
	res := mustSign(t, "Ethereum", "Eip712", `{"types":`+mailTypes+`,"domain":`+mailDomain+`,"message":`+mailMessage+`}`)
	checkSignature(t, res, digest, common.HexToAddress(web3Address))
}
