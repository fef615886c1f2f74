package starknet

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
)

// Transaction requests carry a version 3 INVOKE or DEPLOY_ACCOUNT
// transaction as Starknet's JSON-RPC writes it (the body of
// starknet_addInvokeTransaction / starknet_addDeployAccountTransaction,
// signature ignored); its hash is the Poseidon hash of
// docs/protocol/networks-starknet.md.

// maxTxFelts bounds the field elements of one transaction.
const maxTxFelts = 4096

type rpcBound struct {
	MaxAmount       *string `json:"max_amount"`
	MaxPricePerUnit *string `json:"max_price_per_unit"`
}

type rpcTx struct {
	Type                  *string              `json:"type"`
	Version               *string              `json:"version"`
	SenderAddress         *string              `json:"sender_address"`
	Calldata              []string             `json:"calldata"`
	Nonce                 *string              `json:"nonce"`
	ResourceBounds        map[string]*rpcBound `json:"resource_bounds"`
	Tip                   *string              `json:"tip"`
	PaymasterData         []string             `json:"paymaster_data"`
	AccountDeploymentData []string             `json:"account_deployment_data"`
	NonceDAMode           *string              `json:"nonce_data_availability_mode"`
	FeeDAMode             *string              `json:"fee_data_availability_mode"`
	ProofFacts            []string             `json:"proof_facts"`
	ClassHash             *string              `json:"class_hash"`
	ContractAddressSalt   *string              `json:"contract_address_salt"`
	ConstructorCalldata   []string             `json:"constructor_calldata"`
}

var (
	prefixInvoke        = new(big.Int).SetBytes([]byte("invoke"))
	prefixDeployAccount = new(big.Int).SetBytes([]byte("deploy_account"))
	two64               = new(big.Int).Lsh(big.NewInt(1), 64)
	two128              = new(big.Int).Lsh(big.NewInt(1), 128)
)

// txHash reads the transaction of a Transaction request and returns its
// hash for chainID, checking that it is this wallet's: an INVOKE's
// sender_address, or the address a DEPLOY_ACCOUNT deploys, must be account.
func txHash(raw json.RawMessage, chainID, account *big.Int) (*big.Int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' { // a JSON string holding the JSON transaction
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, apierr.BadRequest("transaction must be a JSON object")
		}
		raw = json.RawMessage(s)
	}
	var tx rpcTx
	err := json.Unmarshal(raw, &tx)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return nil, apierr.BadRequest("transaction.%s must be a 0x-hex string (or a list of them), not a JSON %s", chain.Clip(te.Field), te.Value)
	case err != nil || len(raw) == 0 || raw[0] != '{':
		return nil, apierr.BadRequest("transaction must be a Starknet JSON-RPC INVOKE or DEPLOY_ACCOUNT transaction (version 0x3) as a JSON object")
	}
	req := func(name string, v *string) (*big.Int, error) {
		if v == nil {
			return nil, apierr.BadRequest("transaction.%s is required", name)
		}
		return parseRPCFelt("transaction."+name, *v)
	}
	if tx.Type == nil || (*tx.Type != "INVOKE" && *tx.Type != "DEPLOY_ACCOUNT") {
		return nil, apierr.BadRequest("transaction.type must be INVOKE or DEPLOY_ACCOUNT")
	}
	version, err := req("version", tx.Version)
	if err != nil {
		return nil, err
	}
	if version.Cmp(big.NewInt(3)) != 0 {
		return nil, apierr.BadRequest("transaction.version must be 0x3 (only version 3 transactions are signed)")
	}
	nonce, err := req("nonce", tx.Nonce)
	if err != nil {
		return nil, err
	}
	tip, err := req("tip", tx.Tip)
	if err != nil {
		return nil, err
	}
	if tip.Cmp(two64) >= 0 {
		return nil, apierr.BadRequest("transaction.tip must be below 2^64")
	}
	fee, err := feeHash(tip, tx.ResourceBounds)
	if err != nil {
		return nil, err
	}
	da, err := daModes(tx.NonceDAMode, tx.FeeDAMode)
	if err != nil {
		return nil, err
	}
	budget := maxTxFelts
	paymaster, err := parseRPCFelts("transaction.paymaster_data", tx.PaymasterData, &budget)
	if err != nil {
		return nil, err
	}
	common := func(prefix, addr *big.Int) []*big.Int {
		return []*big.Int{prefix, version, addr, fee, stark.PoseidonMany(paymaster), chainID, nonce, da}
	}
	if *tx.Type == "INVOKE" {
		sender, err := req("sender_address", tx.SenderAddress)
		if err != nil {
			return nil, err
		}
		if sender.Cmp(account) != 0 {
			return nil, apierr.BadRequest("transaction.sender_address %s is not this wallet's account %s", feltPad(sender), feltPad(account))
		}
		if tx.Calldata == nil {
			return nil, apierr.BadRequest("transaction.calldata is required")
		}
		deploy, err := parseRPCFelts("transaction.account_deployment_data", tx.AccountDeploymentData, &budget)
		if err != nil {
			return nil, err
		}
		calldata, err := parseRPCFelts("transaction.calldata", tx.Calldata, &budget)
		if err != nil {
			return nil, err
		}
		proof, err := parseRPCFelts("transaction.proof_facts", tx.ProofFacts, &budget)
		if err != nil {
			return nil, err
		}
		fields := append(common(prefixInvoke, sender), stark.PoseidonMany(deploy), stark.PoseidonMany(calldata))
		if len(proof) > 0 {
			fields = append(fields, stark.PoseidonMany(proof))
		}
		return stark.PoseidonMany(fields), nil
	}
	class, err := req("class_hash", tx.ClassHash)
	if err != nil {
		return nil, err
	}
	salt, err := req("contract_address_salt", tx.ContractAddressSalt)
	if err != nil {
		return nil, err
	}
	if tx.ConstructorCalldata == nil {
		return nil, apierr.BadRequest("transaction.constructor_calldata is required")
	}
	ctor, err := parseRPCFelts("transaction.constructor_calldata", tx.ConstructorCalldata, &budget)
	if err != nil {
		return nil, err
	}
	if len(ctor) > 64 { // Pedersen per element: keep the address check cheap
		return nil, apierr.BadRequest("transaction.constructor_calldata has more than 64 elements")
	}
	addr := stark.ContractAddress(salt, class, ctor, new(big.Int))
	if addr.Cmp(account) != 0 {
		return nil, apierr.BadRequest("transaction deploys account %s, not this wallet's account %s (class_hash, contract_address_salt or constructor_calldata differ)", feltPad(addr), feltPad(account))
	}
	fields := append(common(prefixDeployAccount, addr), stark.PoseidonMany(ctor), class, salt)
	return stark.PoseidonMany(fields), nil
}

// Resource names as short strings.
var resources = []struct {
	key  string
	name *big.Int
}{
	{"l1_gas", new(big.Int).SetBytes([]byte("L1_GAS"))},
	{"l2_gas", new(big.Int).SetBytes([]byte("L2_GAS"))},
	{"l1_data_gas", new(big.Int).SetBytes([]byte("L1_DATA"))},
}

// feeHash is Poseidon(tip, L1 gas bound, L2 gas bound, L1 data gas bound),
// each bound being name << 192 | max_amount << 128 | max_price_per_unit.
func feeHash(tip *big.Int, rb map[string]*rpcBound) (*big.Int, error) {
	if rb == nil {
		return nil, apierr.BadRequest("transaction.resource_bounds is required (l1_gas, l2_gas, l1_data_gas)")
	}
	vals := []*big.Int{tip}
	for _, r := range resources {
		b := rb[r.key]
		field := "transaction.resource_bounds." + r.key
		if b == nil || b.MaxAmount == nil || b.MaxPricePerUnit == nil {
			return nil, apierr.BadRequest("%s is required, with max_amount and max_price_per_unit", field)
		}
		amount, err := parseRPCFelt(field+".max_amount", *b.MaxAmount)
		if err != nil {
			return nil, err
		}
		price, err := parseRPCFelt(field+".max_price_per_unit", *b.MaxPricePerUnit)
		if err != nil {
			return nil, err
		}
		if amount.Cmp(two64) >= 0 || price.Cmp(two128) >= 0 {
			return nil, apierr.BadRequest("%s: max_amount must be below 2^64 and max_price_per_unit below 2^128", field)
		}
		v := new(big.Int).Lsh(r.name, 192)
		v.Or(v, new(big.Int).Lsh(amount, 128)).Or(v, price)
		vals = append(vals, v)
	}
	return stark.PoseidonMany(vals), nil
}

// daModes packs the data-availability modes: nonce << 32 | fee (L1 = 0,
// L2 = 1).
func daModes(nonce, fee *string) (*big.Int, error) {
	mode := func(field string, v *string) (int64, error) {
		switch {
		case v == nil:
			return 0, apierr.BadRequest("transaction.%s is required (L1 or L2)", field)
		case *v == "L1":
			return 0, nil
		case *v == "L2":
			return 1, nil
		}
		return 0, apierr.BadRequest("transaction.%s must be L1 or L2", field)
	}
	n, err := mode("nonce_data_availability_mode", nonce)
	if err != nil {
		return nil, err
	}
	f, err := mode("fee_data_availability_mode", fee)
	if err != nil {
		return nil, err
	}
	return big.NewInt(n<<32 | f), nil
}
