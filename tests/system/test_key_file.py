"""`signatory-cli generate` and `import` on a `file` vault of encrypted keys (issue 12.2).

A baker's secret_keys holds keys encrypted by octez (vectors of keys.json, one password,
unlocked with `password_file`). After generating a tz1 and a tz4 key and importing a tz2 key
with the CLI: the keys that were there are written back byte for byte (never decrypted to
disk); the new ones are written as octez-client writes encrypted keys, and Taquito's
InMemorySigner (decrypt_key.mjs, an implementation independent of the signer) opens each with
the vault's password to the very key the CLI printed, and refuses a wrong password; the file
is mode 0600 and holds no unencrypted key.
"""

import json
import os
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import HERE, testdata_dir, vectors
from test_watermark_cli import CLI_TIMEOUT_S, cli_binary


def encrypted_vector(key_id):
    with open(testdata_dir() / "tezos" / "keys.json", encoding="utf-8") as f:
        return next(k for k in json.load(f)["encrypted_keys"] if k["id"] == key_id)


def taquito_open(key, password):
    """{"public_key_hash": …} or {"error": …} from @taquito/signer."""
    proc = subprocess.run(["node", str(HERE / "decrypt_key.mjs")], cwd=HERE, capture_output=True,
                          text=True, input=json.dumps({"key": key, "password": password}),
                          timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"decrypt_key.mjs failed: {proc.stderr}")
    return json.loads(proc.stdout)


def printed_pkh(out):
    line = next(ln for ln in out.splitlines() if ln.startswith("Public Key Hash:"))
    return line.split()[-1]


class KeyFileTest(unittest.TestCase):

    def setUp(self):
        if not os.access(cli_binary(), os.X_OK):
            self.skipTest(f"signatory-cli not found: {cli_binary()}")
        if not (HERE / "node_modules" / "@taquito" / "signer").is_dir():
            self.skipTest("@taquito/signer is not installed (tests/system/run.sh installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="signatory-keyfile-"))
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", str(self.dir)]))
        a, b = encrypted_vector("enc_ed25519_0"), encrypted_vector("enc_p256_0")
        self.assertEqual(a["password"], b["password"])
        self.password = a["password"]
        self.original = [{"name": "baker", "value": "encrypted:" + a["encrypted_secret_key"]},
                         {"name": "other", "value": "encrypted:" + b["encrypted_secret_key"]}]
        self.keys = self.dir / "secret_keys"
        self.keys.write_text(json.dumps(self.original))
        (self.dir / "pw").write_text(self.password + "\n")
        self.config = self.dir / "signatory.yaml"
        self.config.write_text(f"base_dir: {self.dir}\nvaults:\n  local:\n    driver: file\n"
                               f"    config:\n      file: {self.keys}\n"
                               f"      password_file: {self.dir / 'pw'}\n")

    def cli(self, *args):
        proc = subprocess.run([cli_binary(), "-c", str(self.config), *args], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=CLI_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_new_keys_are_encrypted_for_octez_and_old_ones_kept(self):
        new = {printed_pkh(self.cli("generate", "--vault", "local", "-t", t))
               for t in ("tz1", "tz4")}
        imported = vectors().key("secp256k1_1")
        self.assertEqual(self.cli("import", "--vault", "local", imported["secret_key"]), "")
        new.add(imported["public_key_hash"])

        entries = json.loads(self.keys.read_text())
        self.assertEqual(entries[:2], self.original)  # byte for byte, in order
        self.assertEqual({e["name"] for e in entries[2:]}, new)
        self.assertNotIn("unencrypted", self.keys.read_text())
        self.assertEqual(stat.S_IMODE(self.keys.stat().st_mode), 0o600)
        for entry in entries[2:]:
            kind, _, key = entry["value"].partition(":")
            self.assertEqual(kind, "encrypted")
            prefix = {"tz1": "edesk", "tz2": "spesk", "tz4": "BLesk"}[entry["name"][:3]]
            self.assertEqual(key[:5], prefix)
            self.assertEqual(taquito_open(key, self.password), {"public_key_hash": entry["name"]})
            self.assertIn("error", taquito_open(key, self.password + "x"))
        listed = self.cli("list")
        for pkh in new | {encrypted_vector("enc_ed25519_0")["public_key_hash"],
                          encrypted_vector("enc_p256_0")["public_key_hash"]}:
            self.assertIn(f"Public Key Hash:    {pkh}", listed)


if __name__ == "__main__":
    unittest.main()
