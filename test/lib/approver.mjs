// approver.mjs makes an approver for the suites that test approvals: a
// user allowed to read and decide approvals, who registers a second Key
// credential (Ed25519) through the SDK and logs in with it through the
// SDK's DfnsAuthenticator. Each suite keeps its own node_modules, so the
// SDK classes are passed in: sdk = {DfnsApiClient, DfnsAuthenticator,
// AsymmetricKeySigner, toBase64Url}.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * approverClient creates the approver with api (an SDK client of the
 * bootstrap service account of the server at baseUrl, whose admin.json is
 * adminPath) and returns {userId, api}. The first credential is a P-256
 * key given to createUser (Custos extension: publicKey in the body), as
 * test/sdk/lib/env.mjs does.
 */
export async function approverClient(sdk, api, baseUrl, adminPath) {
  const { DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner, toBase64Url } = sdk;
  const admin = JSON.parse(readFileSync(adminPath, 'utf8'));
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
    const { token } = await new DfnsAuthenticator({ baseUrl, signer }).login({ username: email, orgId: admin.orgId });
    return new DfnsApiClient({ baseUrl, orgId: admin.orgId, authToken: token, signer });
  };
  const ch = await new DfnsApiClient({ baseUrl }).auth.createLoginChallenge({ body: { username: email, orgId: admin.orgId } });
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
        credId, clientData: toBase64Url(clientData),
        attestationData: toBase64Url(Buffer.from(JSON.stringify({ publicKey, signature }))),
      },
    },
  });
  return { userId: user.userId, api: await loginAs(new AsymmetricKeySigner({ credId, privateKey: second.privateKey })) };
}
