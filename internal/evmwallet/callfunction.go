package evmwallet

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/evm"
)

// Bounds of POST /networks/{network}/call-function.
const (
	maxABIArgs   = 64      // inputs or outputs of the function
	maxABIDepth  = 8       // nesting of tuples and arrays in a type
	maxCallReply = 1 << 18 // bytes of return data decoded
)

// CallFunctionBody is the body of POST /networks/{network}/call-function
// (docs/protocol/evm-call-function.md §2).
type CallFunctionBody struct {
	Contract *string                    `json:"contract"`
	ABI      json.RawMessage            `json:"abi"`
	Calldata map[string]json.RawMessage `json:"calldata"`
}

// abiFragment is the function description abi holds.
type abiFragment struct {
	Type            string            `json:"type"`
	Name            string            `json:"name"`
	StateMutability string            `json:"stateMutability"`
	Inputs          []json.RawMessage `json:"inputs"`
	Outputs         []json.RawMessage `json:"outputs"`
}

// NetworkByPathName returns the network a path names: its Dfns name
// (EthereumSepolia) or that name in kebab case (ethereum-sepolia), as the
// call-function path takes it.
func NetworkByPathName(name string) (string, bool) {
	if _, ok := evm.ChainID(name); ok {
		return name, true
	}
	want := strings.ReplaceAll(strings.ToLower(name), "-", "")
	if want == "" || len(name) > 64 {
		return "", false
	}
	for _, n := range evm.New().Networks() {
		if strings.ToLower(n) == want {
			return n, true
		}
	}
	return "", false
}

// CallFunction serves POST /networks/{network}/call-function: it encodes
// the call of the read-only function abi describes with the arguments of
// calldata, runs it with eth_call on the network's node at its latest
// block, and answers the function's decoded result (its one output, or the
// list of its outputs). Nothing is signed or sent.
func (s *Service) CallFunction(ctx context.Context, network string, in *CallFunctionBody) (_ any, err error) {
	defer func() {
		// go-ethereum's encoder panics on some values it does not expect;
		// whatever the body holds is a 400, never a crash.
		if r := recover(); r != nil {
			err = apierr.BadRequest("calldata does not fit the function's inputs")
		}
	}()
	net, ok := NetworkByPathName(network)
	if !ok {
		return nil, apierr.BadRequest("network %s is not an EVM network: call-function serves EVM networks only", clip(network))
	}
	n := s.nodes[net]
	if n == nil {
		return nil, noNode(net)
	}
	if in.Contract == nil || *in.Contract == "" {
		return nil, apierr.BadRequest("contract is required")
	}
	contract, err := evm.ParseAddress("contract", *in.Contract)
	if err != nil {
		return nil, err
	}
	m, err := parseFunction(in.ABI)
	if err != nil {
		return nil, err
	}
	args := make([]any, len(m.Inputs))
	used := 0
	for i, arg := range m.Inputs {
		key := tupleKey(arg.Name, i)
		raw, ok := in.Calldata[key]
		if !ok {
			return nil, apierr.BadRequest("calldata.%s is required (input %d of %s)", clip(key), i, m.Sig)
		}
		used++
		v, err := abiValue("calldata."+key, arg.Type, raw)
		if err != nil {
			return nil, err
		}
		args[i] = v.Interface()
	}
	if used != len(in.Calldata) {
		for k := range in.Calldata {
			if !hasKey(m.Inputs, k) {
				return nil, apierr.BadRequest("calldata.%s is not an input of %s", clip(k), m.Sig)
			}
		}
	}
	packed, err := m.Inputs.Pack(args...)
	if err != nil {
		return nil, apierr.BadRequest("calldata does not fit %s: %s", m.Sig, clip(err.Error()))
	}
	data := append(bytes.Clone(m.ID), packed...)
	out, err := n.eth.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: data}, nil)
	if err != nil {
		if isNodeAnswer(err) {
			return nil, apierr.BadRequest("the call of %s on %s fails: %s", m.Sig, contract.Hex(), clip(err.Error())).Wrap(err)
		}
		return nil, nodeError(net, err)
	}
	if len(out) > maxCallReply {
		return nil, apierr.BadRequest("the answer of %s is larger than %d bytes", m.Sig, maxCallReply)
	}
	if len(out) == 0 && len(m.Outputs) > 0 {
		return nil, apierr.BadRequest("%s on %s answered nothing: is %s a contract with this function?", m.Sig, net, contract.Hex())
	}
	vals, err := m.Outputs.Unpack(out)
	if err != nil {
		return nil, apierr.BadRequest("the answer of %s does not decode as its outputs: %s", m.Sig, clip(err.Error()))
	}
	res := make([]any, len(vals))
	for i, v := range vals {
		res[i] = abiJSON(m.Outputs[i].Type, v)
	}
	if len(res) == 1 {
		return res[0], nil
	}
	return res, nil
}

// hasKey reports whether key names one of args.
func hasKey(args abi.Arguments, key string) bool {
	for i, arg := range args {
		if tupleKey(arg.Name, i) == key {
			return true
		}
	}
	return false
}

// parseFunction reads abi, the description of one read-only function
// (type "function", stateMutability "view" or "pure"), with go-ethereum's
// ABI parser; a 400 naming the field that is wrong.
func parseFunction(raw json.RawMessage) (*abi.Method, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, apierr.BadRequest("abi is required")
	}
	var f abiFragment
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, apierr.BadRequest("abi must be the JSON description of one function")
	}
	switch {
	case f.Type != "function":
		return nil, apierr.BadRequest("abi.type must be function")
	case f.Name == "":
		return nil, apierr.BadRequest("abi.name is required")
	case f.StateMutability != "view" && f.StateMutability != "pure":
		return nil, apierr.BadRequest("abi.stateMutability must be view or pure: call-function runs read-only functions")
	case len(f.Inputs) > maxABIArgs || len(f.Outputs) > maxABIArgs:
		return nil, apierr.BadRequest("abi has more than %d inputs or outputs", maxABIArgs)
	case jsonDepth(raw) > maxABIDepth+3:
		return nil, apierr.BadRequest("abi nests its types more than %d deep", maxABIDepth)
	}
	parsed, err := abi.JSON(bytes.NewReader(append(append([]byte{'['}, raw...), ']')))
	if err != nil {
		return nil, apierr.BadRequest("abi is not a valid function description: %s", clip(err.Error()))
	}
	m, ok := parsed.Methods[f.Name]
	if !ok {
		return nil, apierr.BadRequest("abi is not a valid function description")
	}
	return &m, nil
}

// jsonDepth is how deep raw nests objects and arrays.
func jsonDepth(raw json.RawMessage) int {
	depth, max := 0, 0
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			if depth > max {
				max = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return max
}
