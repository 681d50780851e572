// System tests with a real client: @taquito/remote-signer 21.0.0 against `signatory serve`.
// The server is started through fixture_server.py (same config writer as the Python tests).
// Every signature is verified again with @taquito/utils 25's verifySignature, which is
// independent of both the server and the client's own (v21) check.
// Run: node --test (from tests/system), SIGNATORY_BIN / SIGNATORY_TESTDATA as for Python.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteSigner } from '@taquito/remote-signer';
import { verifySignature } from '@taquito/utils';

const here = dirname(fileURLToPath(import.meta.url));
const testdata = process.env.SIGNATORY_TESTDATA ?? resolve(here, '../vectors');
const load = (name) => JSON.parse(readFileSync(join(testdata, 'tezos', name), 'utf8'));

const keys = Object.fromEntries(load('keys.json').keys.map((k) => [k.id, k]));
const operations = Object.fromEntries(load('operations.json').operations.map((o) => [o.id, o]));
const consensus = load('consensus.json');
const blocks = Object.fromEntries(consensus.blocks.map((b) => [b.id, b]));
const consensusOps = Object.fromEntries(consensus.consensus_operations.map((c) => [c.id, c]));
const signatures = new Map(load('signatures.json').vectors.map((s) => [`${s.key_id}/${s.message_kind}`, s]));

const SIGNING_KEYS = ['ed25519_0', 'secp256k1_0', 'p256_0'];
const RESTRICTED_KEY = 'ed25519_1'; // only `transaction` allowed
const CONFIG_ONLY_KEY = 'ed25519_2'; // listed in config, in no vault
const UNLISTED_KEY = 'ed25519_3'; // in the vault, not listed in config
const PREFIX = { ed25519: 'edsig', secp256k1: 'spsig1', p256: 'p2sig' };

const fullPolicy = {
  allow: {
    generic: ['transaction', 'reveal', 'delegation'],
    block: null, preattestation: null, attestation: null,
  },
};

// Starts the server fixture; resolves to {url, stop}.
function startServer(spec) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('python3', [join(here, 'fixture_server.py'), JSON.stringify(spec)], {
      cwd: here, stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error('fixture timeout')); }, 30000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`fixture exited ${code}`)); });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const info = JSON.parse(line);
      if (info.error) { reject(new Error(info.error)); return; }
      const stop = () => new Promise((done) => {
        if (child.exitCode !== null) { done(); return; }
        child.once('exit', () => done());
        child.stdin.end(); // fixture stops the server when stdin closes
        setTimeout(() => child.kill('SIGTERM'), 15000).unref();
      });
      resolvePromise({ url: `http://127.0.0.1:${info.port}`, stop });
    });
  });
}

const signer = (server, keyId) => new RemoteSigner(keys[keyId].public_key_hash, server.url);

function assertVerified(bytesHex, key, prefixSig) {
  assert.ok(prefixSig.startsWith(PREFIX[key.curve]), `${prefixSig} prefix for ${key.curve}`);
  assert.equal(verifySignature(bytesHex, key.public_key, prefixSig), true,
    `verifySignature(v25) rejects ${prefixSig} for ${key.public_key_hash}`);
  // Negative control: the same signature must not verify a different message.
  const flipped = bytesHex.slice(0, -2) + (bytesHex.endsWith('00') ? '01' : '00');
  assert.equal(verifySignature(flipped, key.public_key, prefixSig), false);
}

describe('RemoteSigner against signatory', () => {
  let server;

  before(async () => {
    server = await startServer({
      vault: [...SIGNING_KEYS, RESTRICTED_KEY, UNLISTED_KEY],
      policies: {
        ...Object.fromEntries(SIGNING_KEYS.map((k) => [k, fullPolicy])),
        [RESTRICTED_KEY]: { allow: { generic: ['transaction'] } },
        [CONFIG_ONLY_KEY]: fullPolicy,
      },
    });
  });

  after(async () => { if (server) await server.stop(); });

  for (const keyId of SIGNING_KEYS) {
    describe(keyId, () => {
      test('publicKey and publicKeyHash', async () => {
        const s = signer(server, keyId);
        assert.equal(await s.publicKey(), keys[keyId].public_key);
        assert.equal(await s.publicKeyHash(), keys[keyId].public_key_hash);
      });

      test('sign a generic operation with watermark 0x03', async () => {
        const op = operations.transaction_tz1_to_tz1;
        const result = await signer(server, keyId).sign(op.forged_hex, new Uint8Array([3]));
        assert.equal(result.bytes, op.forged_hex);
        assertVerified(op.signing_bytes_hex, keys[keyId], result.prefixSig);
        assert.ok(result.sbytes.startsWith(op.forged_hex));
        const vector = signatures.get(`${keyId}/generic_operation`);
        assert.equal(vector.message_hex, op.signing_bytes_hex);
        if (vector.deterministic) assert.equal(result.prefixSig, vector.signature);
      });

      test('sign a batch and consensus requests (bytes already prefixed)', async () => {
        const s = signer(server, keyId);
        const kinds = ['generic_operation_batch', 'block', 'preattestation', 'attestation'];
        const messages = kinds.map((kind) => signatures.get(`${keyId}/${kind}`).message_hex);
        assert.equal(messages[1], blocks.block_mainnet_12180922_shape.sign_request_hex);
        assert.equal(messages[3], consensusOps.attestation_mainnet_r0.sign_request_hex);
        const seen = new Set();
        for (const [i, message] of messages.entries()) {
          const result = await s.sign(message);
          assertVerified(message, keys[keyId], result.prefixSig);
          const vector = signatures.get(`${keyId}/${kinds[i]}`);
          if (vector.deterministic) assert.equal(result.prefixSig, vector.signature);
          seen.add(result.prefixSig);
        }
        assert.equal(seen.size, messages.length, 'distinct messages, distinct signatures');
      });
    });
  }

  test('policy refusal is reported as OperationNotAuthorized (HTTP 403)', async () => {
    await assert.rejects(
      signer(server, RESTRICTED_KEY).sign(operations.delegation_set.signing_bytes_hex),
      (err) => {
        assert.equal(err.name, 'OperationNotAuthorized');
        assert.equal(err.message, 'Signing Operation not authorized');
        assert.equal(err.cause?.status, 403);
        assert.match(String(err.cause?.body), /operation `delegation' is not allowed/);
        return true;
      });
    await assert.rejects(
      signer(server, RESTRICTED_KEY).sign(blocks.block_mainnet_12180922_shape.sign_request_hex),
      (err) => err.name === 'OperationNotAuthorized'
        && /request kind `block' is not allowed/.test(String(err.cause?.body)));
    // The allowed kind still works for that key.
    const op = operations.transaction_tz1_to_tz1.signing_bytes_hex;
    const ok = await signer(server, RESTRICTED_KEY).sign(op);
    assertVerified(op, keys[RESTRICTED_KEY], ok.prefixSig);
  });

  test('key not listed in config is refused (403)', async () => {
    await assert.rejects(
      signer(server, UNLISTED_KEY).sign(operations.transaction_tz1_to_tz1.signing_bytes_hex),
      (err) => err.name === 'OperationNotAuthorized' && err.cause?.status === 403
        && String(err.cause?.body).includes(`${keys[UNLISTED_KEY].public_key_hash} is not listed in config`));
  });

  test('key in no vault is reported as PublicKeyNotFoundError (HTTP 404)', async () => {
    const s = signer(server, CONFIG_ONLY_KEY);
    await assert.rejects(s.publicKey(), (err) => err.name === 'PublicKeyNotFoundError');
    await assert.rejects(
      s.sign(operations.transaction_tz1_to_tz1.signing_bytes_hex),
      (err) => err.name === 'PublicKeyNotFoundError' && err.cause?.status === 404
        && /this key not found in any vault/.test(String(err.cause?.body)));
  });

  test('double signing refused: conflicting attestation at the same level', async () => {
    const s = signer(server, 'ed25519_0');
    const base = consensusOps.attestation_mainnet_slot_65535.sign_request_hex; // level 12180924
    const first = await s.sign(base);
    assertVerified(base, keys.ed25519_0, first.prefixSig);
    const again = await s.sign(base);
    assert.equal(again.prefixSig, first.prefixSig);
    const conflicting = base.slice(0, -2) + (base.endsWith('ff') ? '00' : 'ff');
    // remote-signer 21 maps only 400/403/404; a 409 surfaces as the raw HttpResponseError.
    await assert.rejects(s.sign(conflicting), (err) => err.name === 'HttpResponseError'
      && err.status === 409 && /watermark validation failed/.test(String(err.body)));
  });

  test('malformed bytes are reported as BadSigningData (HTTP 400)', async () => {
    await assert.rejects(signer(server, 'ed25519_0').sign('0300'),
      (err) => err.name === 'BadSigningData' && err.cause?.status === 400);
  });
});
