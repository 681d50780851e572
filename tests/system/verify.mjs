// Verifies Tezos signatures for the Python system tests with @taquito/utils 25's
// verifySignature (an implementation independent of the server under test).
// Protocol: each stdin line is a JSON array of {message_hex, public_key, signature}; for
// each line one stdout line, a JSON array of booleans. Runs until stdin closes, so one
// process serves a whole test run. A malformed signature or key counts as false.
import { createInterface } from 'node:readline';
import { verifySignature } from '@taquito/utils';

const verifyOne = ({ message_hex, public_key, signature }) => {
  try {
    return verifySignature(message_hex, public_key, signature) === true;
  } catch {
    return false;
  }
};

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  process.stdout.write(JSON.stringify(JSON.parse(line).map(verifyOne)) + '\n');
}
