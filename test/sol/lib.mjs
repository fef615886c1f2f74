// Helpers of the Solana transfer suite: the SDK client of the bootstrap
// service account, JSON-RPC to the litesvm shim (shim.mjs), airdrops,
// an SPL mint made by a keypair of the test, and bounded polling.
import { DfnsApiClient, DfnsAuthenticator, DfnsError } from '@dfns/sdk';
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner';
import {
  address, appendTransactionMessageInstructions, createTransactionMessage, generateKeyPairSigner, getTransactionEncoder,
  pipe, setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash, signTransactionMessageWithSigners,
} from '@solana/kit';
import { getCreateAccountInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda, getCreateAssociatedTokenIdempotentInstruction, getInitializeMint2Instruction, getMintSize,
  getMintToInstruction, TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { suiteHelpers, until } from '../lib/suite.mjs';

export { until };
export const { clientFor, api, approverClient, settled, rejects } = suiteHelpers({
  DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner, DfnsError,
});

/** api is the SDK client of the server run.mjs started (undefined in run.mjs itself). */

let rpcId = 0;
/** rpc calls the shim at url (default SHIM_URL). */
export async function rpc(method, params = [], url = process.env.SHIM_URL) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** finalized waits until the shim has sealed the block of signature. */
export function finalized(signature) {
  return until(async () => (await rpc('getSignatureStatuses', [[signature]])).value[0]?.confirmationStatus === 'finalized',
    `${signature} to be finalized`);
}

/** airdrop pays addr lamports from the shim's faucet and waits for the block. */
export async function airdrop(addr, lamports) {
  const sig = await rpc('requestAirdrop', [addr, Number(lamports)]);
  await finalized(sig);
  return sig;
}

/** lamportsOf is the balance of addr in litesvm. */
export async function lamportsOf(addr) {
  return BigInt((await rpc('getBalance', [addr])).value);
}

/** tokensOf is what owner holds of mint in litesvm (every token account). */
export async function tokensOf(owner, mint) {
  const r = await rpc('getTokenAccountsByOwner', [owner, { mint }, { encoding: 'base64' }]);
  return r.value.reduce((sum, a) => sum + Buffer.from(a.account.data[0], 'base64').readBigUInt64LE(64), 0n);
}

/** latestBlockhash is the shim's newest blockhash as kit takes it. */
export async function latestBlockhash() {
  const v = (await rpc('getLatestBlockhash')).value;
  return { blockhash: v.blockhash, lastValidBlockHeight: BigInt(v.lastValidBlockHeight) };
}

/** sendSigned signs a message of instructions paid by payer with kit and sends it; resolves once finalized. */
export async function sendSigned(payer, instructions) {
  const lifetime = await latestBlockhash();
  const m2 = pipe(
    createTransactionMessage({ version: 'legacy' }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const signed = await signTransactionMessageWithSigners(m2);
  const sig = await rpc('sendTransaction', [Buffer.from(getTransactionEncoder().encode(signed)).toString('base64'), { encoding: 'base64' }]);
  await finalized(sig);
  return sig;
}

/** TOKEN_2022 is the Token-2022 program's address. */
export const TOKEN_2022 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';

/**
 * createMint makes a mint of decimals under the token program (SPL Token unless TOKEN_2022) whose authority is a
 * fresh keypair; resolves with {mint, authority, program}.
 */
export async function createMint(decimals, program = TOKEN_PROGRAM_ADDRESS) {
  const authority = await generateKeyPairSigner();
  await airdrop(authority.address, 10_000_000_000n);
  const mint = await generateKeyPairSigner();
  const space = BigInt(getMintSize());
  const rent = BigInt(await rpc('getMinimumBalanceForRentExemption', [Number(space)]));
  await sendSigned(authority, [
    getCreateAccountInstruction({ payer: authority, newAccount: mint, lamports: rent, space, programAddress: address(program) }),
    getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority: authority.address }, { programAddress: address(program) }),
  ]);
  return { mint: mint.address, authority, program };
}

/** mintTo mints amount of mint (made by createMint) to owner's associated token account. */
export async function mintTo({ mint, authority, program }, owner, amount) {
  const tokenProgram = address(program);
  const [ata] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram });
  await sendSigned(authority, [
    getCreateAssociatedTokenIdempotentInstruction({ payer: authority, ata, owner: address(owner), mint: address(mint), tokenProgram }),
    getMintToInstruction({ mint: address(mint), token: ata, mintAuthority: authority, amount: BigInt(amount) }, { programAddress: tokenProgram }),
  ]);
}

