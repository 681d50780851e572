// Opens an octez secret key with @taquito/signer 25 (an implementation independent of the
// signer under test), for test_key_file.py. Reads one JSON object {"key": "edesk…|edsk…",
// "password": "…"} on stdin (never the command line) and prints {"public_key_hash": "tz…"}, or
// {"error": "…"} if Taquito cannot open it.
import { InMemorySigner } from '@taquito/signer';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { key, password } = JSON.parse(input);
try {
  const signer = await InMemorySigner.fromSecretKey(key, password);
  process.stdout.write(JSON.stringify({ public_key_hash: await signer.publicKeyHash() }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e) }) + '\n');
}
