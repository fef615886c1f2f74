package btc

import (
	"net/http"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/custos-dev/custos/internal/chain"
)

// Fixed address vectors produced by other tools.
const (
	// BIP-84, mnemonic "abandon … about", m/84'/0'/0'/0/0.
	bip84Pub  = "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c"
	bip84Addr = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
	// BIP-86, same mnemonic, m/86'/0'/0'/0/0: x-only internal key.
	bip86Internal = "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115"
	bip86Addr     = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
	// BIP-173: the generator point G.
	genPub = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
)

func TestAddressVectors(t *testing.T) {
	t.Parallel()
	a := New()
	ecdsaPub := func(h string) chain.Key {
		return chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: mustHex(t, h)}
	}
	schnorrPub := func(h string) chain.Key {
		return chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: mustHex(t, h)}
	}
	for _, tc := range []struct {
		name, network string
		key           chain.Key
		want          string
	}{
		{"BIP-84", NetworkBitcoin, ecdsaPub(bip84Pub), bip84Addr},
		{"BIP-86 even", NetworkBitcoin, schnorrPub("02" + bip86Internal), bip86Addr},
		{"BIP-86 odd", NetworkBitcoin, schnorrPub("03" + bip86Internal), bip86Addr},
		{"BIP-173 mainnet", NetworkBitcoin, ecdsaPub(genPub), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
		{"BIP-173 testnet3", NetworkBitcoinTestnet3, ecdsaPub(genPub), "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"},
		{"BIP-173 testnet4", NetworkBitcoinTestnet4, ecdsaPub(genPub), "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"},
		{"BIP-173 signet", NetworkBitcoinSignet, ecdsaPub(genPub), "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"},
		// c2pool address validator test (LTC mainnet bech32).
		{"G litecoin", NetworkLitecoin, ecdsaPub(genPub), "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"},
		// mrtnetwork/blockchain_utils test/address/p2wpkh/test_vector.dart.
		{"ltc p2wpkh", NetworkLitecoin, ecdsaPub("026759a817d8674f69b8c50c74bf225a7c4ae7f3e14afa40a9f241c2b8c2a04b52"), "ltc1qx88q7zjd74lxwgkjmmwlqv5pd3vujuehexfttt"},
		{"tltc p2wpkh", NetworkLitecoinTestnet, ecdsaPub("02c196e34c556fcbaced7e8754bd04e964381f291f3b5b43b9123833f91b10dffd"), "tltc1q0fe74v45kj7uwckn97vt9srn2356p085j486rq"},
		{"tb p2wpkh", NetworkBitcoinSignet, ecdsaPub("03ef91c1165161d8c172e4758245db02d1907a9debe89688cb575c9efa434de9e7"), "tb1q6yzgr3x23fswfcdldlemhfmx8kv5hyfy4hfl78"},
		// BIP-86 output key re-encoded for the other HRPs below.
		{"BIP-86 testnet4", NetworkBitcoinTestnet4, schnorrPub("02" + bip86Internal), segwitV1(t, "tb", bip86Addr)},
		{"BIP-86 litecoin", NetworkLitecoin, schnorrPub("02" + bip86Internal), segwitV1(t, "ltc", bip86Addr)},
		{"BIP-86 litecoin testnet", NetworkLitecoinTestnet, schnorrPub("02" + bip86Internal), segwitV1(t, "tltc", bip86Addr)},
		{"BIP-86 regtest", NetworkBitcoinRegtest, schnorrPub("02" + bip86Internal), segwitV1(t, "bcrt", bip86Addr)},
		// BIP-173's program re-encoded with Litecoin Core's regtest HRP.
		{"litecoin regtest", NetworkLitecoinRegtest, ecdsaPub(genPub), segwitV0(t, "rltc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := a.KeyFits(tc.network, tc.key); err != nil {
				t.Fatalf("KeyFits: %v", err)
			}
			got, err := a.Address(tc.network, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// segwitV1 re-encodes the witness program of a mainnet bc1p address with
// another HRP, using btcd's bech32m encoder directly.
// segwitV0 re-encodes a mainnet P2WPKH address with hrp (bech32).
func segwitV0(t *testing.T, hrp, mainnetAddr string) string {
	t.Helper()
	addr, err := btcutil.DecodeAddress(mainnetAddr, &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := bech32.ConvertBits(addr.(*btcutil.AddressWitnessPubKeyHash).WitnessProgram(), 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := bech32.Encode(hrp, append([]byte{0}, conv...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func segwitV1(t *testing.T, hrp, mainnetAddr string) string {
	t.Helper()
	addr, err := btcutil.DecodeAddress(mainnetAddr, &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	prog := addr.(*btcutil.AddressTaproot).WitnessProgram()
	conv, err := bech32.ConvertBits(prog, 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := bech32.EncodeM(hrp, append([]byte{1}, conv...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAddressThirdPartyTaproot checks P2TR vectors of another library
// (mrtnetwork/blockchain_utils test/address/p2tr/test_vector.dart), which
// derives BIP-86 key-path outputs from compressed keys.
func TestAddressThirdPartyTaproot(t *testing.T) {
	t.Parallel()
	a := New()
	for _, tc := range []struct{ network, pub, want string }{
		{NetworkBitcoinTestnet3, "0335fbc4a5f614084b632eb3cdfff8aadfc84b1cd3421fe5cbbddcf92aea6b5a0e", "tb1pnn5zg97ugxlwejly6u67x0cctfgvvzvpa3nn9yzq9udqw78avl7s48vrqh"},
		{NetworkBitcoin, "028d0609564086d0e2366b26984a655543fdfd2d25ec89c26e928023f3840a52af", "bc1ph4lmxwklchcvvh2wchzassw86yvahdt902mpe0velxzuz2c70sps70mzj4"},
	} {
		key := chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: mustHex(t, tc.pub)}
		got, err := a.Address(tc.network, key)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.pub, got, tc.want)
		}
	}
}

func TestKeyFitsRejects(t *testing.T) {
	t.Parallel()
	a := New()
	good := mustHex(t, bip84Pub)
	for _, tc := range []struct {
		name, network string
		key           chain.Key
	}{
		{"eddsa", NetworkBitcoin, chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 32)}},
		{"ecdsa on ed25519", NetworkBitcoin, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveEd25519, PublicKey: good}},
		{"uncompressed", NetworkBitcoin, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{4}, make([]byte, 64)...)}},
		{"not on curve", NetworkBitcoin, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{2}, make([]byte, 32)...)}},
		{"unknown network", "Ethereum", chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: good}},
		{"pseudo network", "KeyECDSA", chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: good}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantStatus(t, a.KeyFits(tc.network, tc.key), http.StatusBadRequest)
			_, err := a.Address(tc.network, tc.key)
			wantStatus(t, err, http.StatusBadRequest)
		})
	}
}

func TestNetworks(t *testing.T) {
	t.Parallel()
	got := New().Networks()
	want := []string{"Bitcoin", "BitcoinSignet", "BitcoinTestnet4", "BitcoinTestnet3", "Litecoin", "LitecoinTestnet", "BitcoinRegtest",
		"LitecoinRegtest"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	got[0] = "mutated"
	if New().Networks()[0] != "Bitcoin" {
		t.Fatal("Networks returns the adapter's own slice")
	}
}
