// Verifies Tezos signatures for the Python system tests with @taquito/utils 25's
// verifySignature (an implementation independent of the server under test).
// stdin: JSON array of {message_hex, public_key, signature}; stdout: JSON array of booleans.
// A malformed signature or key counts as "not verified" (false), never as an error.
import { verifySignature } from '@taquito/utils';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = items.map(({ message_hex, public_key, signature }) => {
  try {
    return verifySignature(message_hex, public_key, signature) === true;
  } catch {
    return false;
  }
});
process.stdout.write(JSON.stringify(results));
