// approverClient, shared by the chain suites (test/chain, test/btc): a user
// who may read and decide policy approvals, logged in through the official
// SDK. The SDK classes are passed in, as each suite has its own
// node_modules.
import crypto from 'node:crypto';

/**
 * approverClient creates, through api (the bootstrap service account's
 * client), a user allowed to read and decide approvals, who registers a
 * second Key credential (Ed25519) through the SDK and logs in with it
 * through the SDK's DfnsAuthenticator; it returns {userId, api}. The first
 * credential is a P-256 key given to createUser (Custos extension:
 * publicKey in the body), as test/sdk/lib/env.mjs does. sdk is
 * {DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner}.
 */
export async function approverClient({ api, baseUrl, orgId, sdk }) {
  const { DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner } = sdk;
  const tag = crypto.randomBytes(4).toString('hex');
  const first = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const email = `approver-${process.pid}-${tag}@example.com`;
  const user = await api.auth.createUser({
    body: { email, kind: 'CustomerEmployee', publicKey: first.publicKey.export({ type: 'spki', format: 'pem' }) },
  });
  const perm = await api.permissions.createPermission({
    body: { name: `approver-${tag}`, operations: ['Policies:Approvals:Read', 'Policies:Approvals:Approve'] },
  });
  await api.permissions.createAssignment({ permissionId: perm.id, body: { identityId: user.userId } });
  const loginAs = async (signer) => {
    const { token } = await new DfnsAuthenticator({ baseUrl, signer }).login({ username: email, orgId });
    return new DfnsApiClient({ baseUrl, orgId, authToken: token, signer });
  };
  const ch = await new DfnsApiClient({ baseUrl }).auth.createLoginChallenge({ body: { username: email, orgId } });
  const firstClient = await loginAs(new AsymmetricKeySigner({ credId: ch.allowCredentials.key[0].id, privateKey: first.privateKey }));

  // A second Key credential (auth-protocol: clientData {type: "key.create",
  // challenge}; attestationData {publicKey, signature over the fingerprint}).
  const second = crypto.generateKeyPairSync('ed25519');
  const publicKey = second.publicKey.export({ type: 'spki', format: 'pem' });
  const credId = crypto.randomBytes(32).toString('base64url');
  const challenge = await firstClient.auth.createCredentialChallenge({ body: { kind: 'Key' } });
  const clientData = Buffer.from(JSON.stringify({ type: 'key.create', challenge: challenge.challenge }));
  const fingerprint = JSON.stringify({ clientDataHash: crypto.createHash('sha256').update(clientData).digest('hex'), publicKey });
  const signature = crypto.sign(undefined, Buffer.from(fingerprint), second.privateKey).toString('hex');
  await firstClient.auth.createCredential({
    body: {
      credentialKind: 'Key', credentialName: `approver-${tag}`, challengeIdentifier: challenge.challengeIdentifier,
      credentialInfo: {
        credId, clientData: clientData.toString('base64url'),
        attestationData: Buffer.from(JSON.stringify({ publicKey, signature })).toString('base64url'),
      },
    },
  });
  return { userId: user.userId, api: await loginAs(new AsymmetricKeySigner({ credId, privateKey: second.privateKey })) };
}
