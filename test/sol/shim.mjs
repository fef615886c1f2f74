// shim.mjs is a Solana JSON-RPC endpoint for the tests around litesvm, a
// Solana runtime that runs in this process: litesvm verifies every
// signature and executes every instruction (System, SPL Token,
// Token-2022, Associated Token Account, Memo, Compute Budget programs);
// the shim adds what a validator's RPC adds around it — slots, each
// sealing a block of the transactions executed in it, blockhashes valid for
// 150 blocks, a preflight simulation before a transaction is executed,
// signature statuses, and the reads Custos makes. It is not a validator:
// there are no forks, no leaders and no votes; every sealed block counts
// as finalized.
//
// Methods: getGenesisHash, getSlot, getBlockHeight, getLatestBlockhash,
// isBlockhashValid, sendTransaction, getSignatureStatuses, getBalance,
// getAccountInfo, getMinimumBalanceForRentExemption, getBlocks, getBlock,
// getRecentPrioritizationFees, getTokenAccountsByOwner, requestAirdrop
// (a real transfer from the shim's faucet account, in a block like any
// other), and for tests: shim_drop (true: take transactions and drop them,
// as a node whose leader never gets them; they never land) and shim_warp
// (seal n empty blocks at once, so blockhashes expire).
//
// Usage: node shim.mjs PORT [SLOT_MS]  — prints "shim listening on URL".
import { createHash } from 'node:crypto';
import http from 'node:http';
import {
  address, appendTransactionMessageInstructions, createTransactionMessage, generateKeyPairSigner,
  getBase58Decoder, getBase58Encoder, getCompiledTransactionMessageDecoder, getTransactionDecoder,
  getTransactionEncoder, pipe, setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';

const port = Number(process.argv[2] ?? 0);
const SLOT_MS = Number(process.argv[3] ?? 200);
// The cluster the shim stands for: SolanaDevnet's genesis hash, as anvil
// stands for EthereumSepolia with its chain id.
const GENESIS = process.env.SHIM_GENESIS ?? 'EtWTRABZaYq6iMfeYKouRu166VNyUGN4SqtYEwzt1SPW';
const VALID_BLOCKS = 150; // how many blocks a blockhash stays usable
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';

const b58enc = getBase58Encoder(); // string → bytes
const b58dec = getBase58Decoder(); // bytes → string
const txDecoder = getTransactionDecoder();
const txEncoder = getTransactionEncoder();
const msgDecoder = getCompiledTransactionMessageDecoder();

// The runtime: blockhash ages are the shim's (litesvm's own check only
// knows one blockhash); signatures and programs are litesvm's.
const svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);

const faucet = await generateKeyPairSigner();
if (!(svm.airdrop(faucet.address, 100_000_000_000_000n)?.constructor?.name === "TransactionMetadata")) throw new Error("the faucet was not funded");

/** rpcError is a JSON-RPC error the shim answers with. */
class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// Chain state: sealed blocks by slot, the block being built, recent
// blockhashes, signature statuses.
const blocks = new Map();
const hashes = []; // [{hash, height}], newest last
const statuses = new Map(); // signature → {slot, err}
let slot = 0; // the slot being built
let height = 0; // the height of the newest sealed block
let building = [];
let dropping = false;
const start = Math.floor(Date.now() / 1000);

const nextHash = (prev, s) => b58dec.decode(createHash('sha256').update(`${prev}/${s}`).digest());

/** seal closes the block of the current slot and starts the next one. */
function seal() {
  const prev = blocks.get(slot - 1);
  const blockhash = nextHash(prev?.blockhash ?? GENESIS, slot);
  blocks.set(slot, {
    blockhash, previousBlockhash: prev?.blockhash ?? GENESIS, parentSlot: Math.max(slot - 1, 0),
    blockHeight: height, blockTime: start + Math.floor(slot * SLOT_MS / 1000), transactions: building,
  });
  for (const t of building) statuses.get(t.signature).final = true;
  hashes.push({ hash: blockhash, height });
  if (hashes.length > VALID_BLOCKS) hashes.shift();
  building = [];
  slot++;
  height++;
}
seal(); // the genesis block
setInterval(seal, SLOT_MS).unref();

const context = () => ({ slot: slot - 1, apiVersion: '2.2.0' });
const latest = () => hashes[hashes.length - 1];

/** accountOf returns the account at addr as getAccountInfo shows it (null when none). */
function accountOf(addr) {
  const a = svm.getAccount(address(addr));
  if (!a.exists) return null;
  return {
    lamports: Number(a.lamports), owner: a.programAddress, executable: a.executable, rentEpoch: 0,
    space: a.data.length, data: [Buffer.from(a.data).toString('base64'), 'base64'],
  };
}

/** tokenBalances lists the token accounts among keys as a transaction's meta does. */
function tokenBalances(keys) {
  const out = [];
  keys.forEach((k, i) => {
    const a = svm.getAccount(address(k));
    if (!a.exists || (a.programAddress !== TOKEN && a.programAddress !== TOKEN22) || a.data.length < 165) return;
    if (a.data.length > 165 && a.data[165] !== 2) return; // Token-2022: not a token account
    const data = Buffer.from(a.data);
    const mint = b58dec.decode(data.subarray(0, 32));
    const m = svm.getAccount(address(mint));
    const decimals = m.exists ? m.data[44] : 0;
    const amount = data.readBigUInt64LE(64).toString();
    out.push({
      accountIndex: i, mint, owner: b58dec.decode(data.subarray(32, 64)), programId: a.programAddress,
      uiTokenAmount: { amount, decimals, uiAmountString: amount },
    });
  });
  return out;
}

/** errOf is the JSON form of a failed transaction's error. */
function errOf(res) {
  const e = res.err();
  return typeof e === 'number' ? { code: e } : JSON.parse(JSON.stringify(e, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

/** feeOf is what a transaction pays: 5,000 lamports per signature plus its compute-unit price. */
function feeOf(msg, keys, numSigs) {
  let price = 0n;
  let limit = 0n;
  let others = 0n;
  for (const ix of msg.instructions) {
    const data = Buffer.from(ix.data ?? []);
    if (keys[ix.programAddressIndex] === 'ComputeBudget111111111111111111111111111111') {
      if (data[0] === 2) limit = BigInt(data.readUInt32LE(1));
      if (data[0] === 3) price = data.readBigUInt64LE(1);
    } else others++;
  }
  if (limit === 0n) limit = 200_000n * others;
  return 5000n * BigInt(numSigs) + (price * limit + 999_999n) / 1_000_000n;
}

/** send runs one wire transaction (bytes) as a validator's sendTransaction with preflight does. */
function send(raw) {
  let tx;
  let msg;
  try {
    tx = txDecoder.decode(raw);
    msg = msgDecoder.decode(tx.messageBytes);
  } catch (e) {
    throw new RpcError(-32602, `failed to deserialize transaction: ${e.message}`);
  }
  const sigs = Object.values(tx.signatures);
  const signature = b58dec.decode(sigs[0] ?? new Uint8Array(64));
  if (statuses.has(signature)) {
    throw new RpcError(-32002, 'Transaction simulation failed: This transaction has already been processed');
  }
  if (!hashes.some((h) => h.hash === msg.lifetimeToken)) {
    throw new RpcError(-32002, 'Transaction simulation failed: Blockhash not found');
  }
  if ((msg.addressTableLookups ?? []).length > 0) throw new RpcError(-32602, 'the shim does not load address lookup tables');
  if (dropping) return signature;
  const sim = svm.simulateTransaction(tx);
  if (sim instanceof FailedTransactionMetadata) {
    const err = errOf(sim);
    const code = JSON.stringify(err).includes('Signature') ? -32003 : -32002;
    throw new RpcError(code, `Transaction simulation failed: ${JSON.stringify(err)}`);
  }
  const keys = msg.staticAccounts;
  const pre = keys.map((k) => Number(svm.getBalance(address(k)) ?? 0n));
  const preTok = tokenBalances(keys);
  const res = svm.sendTransaction(tx);
  const failed = res instanceof FailedTransactionMetadata;
  const meta = {
    err: failed ? errOf(res) : null, fee: Number(feeOf(msg, keys, sigs.length)),
    preBalances: pre, postBalances: keys.map((k) => Number(svm.getBalance(address(k)) ?? 0n)),
    preTokenBalances: preTok, postTokenBalances: tokenBalances(keys),
    loadedAddresses: { writable: [], readonly: [] }, logMessages: (failed ? res.meta() : res).logs(),
    status: failed ? { Err: errOf(res) } : { Ok: null }, rewards: [],
  };
  building.push({ signature, transaction: [Buffer.from(raw).toString('base64'), 'base64'], meta, version: 'legacy' });
  statuses.set(signature, { slot, err: meta.err, final: false });
  return signature;
}

/** airdrop pays addr lamports from the faucet in a transaction of its own. */
async function airdrop(addr, amount) {
  const msg = pipe(
    createTransactionMessage({ version: 'legacy' }),
    (m) => setTransactionMessageFeePayerSigner(faucet, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: latest().hash, lastValidBlockHeight: BigInt(latest().height + VALID_BLOCKS) }, m),
    (m) => appendTransactionMessageInstructions([getTransferSolInstruction({ source: faucet, destination: address(addr), amount: BigInt(amount) })], m),
  );
  const signed = await signTransactionMessageWithSigners(msg);
  return send(new Uint8Array(txEncoder.encode(signed)));
}

const methods = {
  getGenesisHash: () => GENESIS,
  getHealth: () => 'ok',
  getVersion: () => ({ 'solana-core': 'litesvm-shim', 'feature-set': 0 }),
  getSlot: () => slot - 1,
  getBlockHeight: () => height - 1,
  getLatestBlockhash: () => ({ context: context(), value: { blockhash: latest().hash, lastValidBlockHeight: latest().height + VALID_BLOCKS } }),
  isBlockhashValid: ([h]) => ({ context: context(), value: hashes.some((x) => x.hash === h) }),
  sendTransaction: ([data, opts]) => {
    const enc = opts?.encoding ?? 'base58';
    return send(enc === 'base64' ? Buffer.from(data, 'base64') : b58enc.encode(data));
  },
  requestAirdrop: ([addr, amount]) => airdrop(addr, amount),
  getSignatureStatuses: ([sigs]) => {
    if (sigs.length > 256) throw new RpcError(-32602, 'Too many inputs provided; max 256');
    return {
      context: context(), value: sigs.map((s) => {
        const st = statuses.get(s);
        return st ? { slot: st.slot, confirmations: st.final ? null : 0, err: st.err, status: st.err ? { Err: st.err } : { Ok: null },
          confirmationStatus: st.final ? 'finalized' : 'processed' } : null;
      }),
    };
  },
  getBalance: ([addr]) => ({ context: context(), value: Number(svm.getBalance(address(addr)) ?? 0n) }),
  getAccountInfo: ([addr]) => ({ context: context(), value: accountOf(addr) }),
  getMinimumBalanceForRentExemption: ([size]) => Number(svm.minimumBalanceForRentExemption(BigInt(size ?? 0))),
  getBlocks: ([from, to]) => {
    const out = [];
    for (let s = from; s <= Math.min(to ?? slot - 1, slot - 1); s++) if (blocks.has(s)) out.push(s);
    return out;
  },
  getBlock: ([s]) => {
    const b = blocks.get(s);
    if (!b) throw new RpcError(-32004, `Block not available for slot ${s}`);
    return { ...b, transactions: b.transactions.map(({ transaction, meta, version }) => ({ transaction, meta, version })) };
  },
  getRecentPrioritizationFees: () => [],
  getTokenAccountsByOwner: ([owner, filter]) => {
    const value = [];
    for (const program of [TOKEN, TOKEN22]) {
      if (filter?.programId && filter.programId !== program) continue;
      for (const a of svm.getProgramAccounts(address(program))) {
        const data = Buffer.from(a.data);
        if (data.length < 165 || (data.length > 165 && data[165] !== 2)) continue;
        if (b58dec.decode(data.subarray(32, 64)) !== owner) continue;
        if (filter?.mint && b58dec.decode(data.subarray(0, 32)) !== filter.mint) continue;
        value.push({ pubkey: a.address, account: accountOf(a.address) });
      }
    }
    return { context: context(), value };
  },
  shim_drop: ([on]) => {
    dropping = Boolean(on);
    return dropping;
  },
  shim_warp: ([n]) => {
    for (let i = 0; i < Math.min(Number(n), 1000); i++) seal();
    return slot - 1;
  },
};

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', async () => {
    let id = null;
    let reply;
    try {
      const call = JSON.parse(body);
      id = call.id;
      const fn = methods[call.method];
      if (!fn) throw new RpcError(-32601, `Method not found: ${call.method}`);
      reply = { jsonrpc: '2.0', id, result: await fn(call.params ?? []) };
    } catch (e) {
      reply = { jsonrpc: '2.0', id, error: { code: e.code ?? -32603, message: e.message } };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  });
});
server.listen(port, '127.0.0.1', () => console.log(`shim listening on http://127.0.0.1:${server.address().port}`));
