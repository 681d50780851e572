"""A damaged or missing watermark log never silently loses an acknowledged mark (issue 12).

The scenario of the issue, through the real binaries: a key signs attestations at levels
100→200, a block and a preattestation at 100 and a ghostnet attestation at 101; a restart
rewrites the log with one record per slot. Then, one at a time, the manipulations an operator
or a failing disk may inflict on <base_dir>/watermark_log/marks.log: truncation at several
sizes (16 + 176 is the issue's own), one flipped bit in the last record, the last record
zeroed, every record zeroed, `truncate -s 16`, and deleting marks.log while watermark_log/ and
its LOCK remain. For each one the signer must refuse to start with one message naming the file,
the offset and the way out (`signatory-cli watermark set-floor`); after the operator sets the
floors with the CLI it starts and refuses the double signatures the issue obtained (a different
block and preattestation at 100, a different ghostnet attestation at 101), and signs above.

A write torn by a crash (the last append cut short over the commit) is instead recovered from
automatically, and a log in the format of earlier versions (format 1, written here from the
documented layout) is read, upheld and rewritten in format 2.

The file layout (docs/watermark-format.md) is parsed and written here independently of the
signer's code (mark_log_format.py).
"""

import shutil
import struct
import unittest

import payloads
from harness import vectors
from mark_log_format import HEADER, SLOT, crc32c, header, record
from test_watermark_cli import WatermarkCliCase, mainnet

RECORDS = 4  # one per slot after the restart: attestation, block, preattestation, ghostnet


def ghostnet():
    return vectors().chains["ghostnet"]["chain_id"]


class WatermarkDamageTest(WatermarkCliCase):

    def setUp(self):
        super().setUp()
        self.key = vectors().key("ed25519_0")
        self.srv = self.server()
        self.log = self.srv.base_dir / "watermark_log" / "marks.log"

    # ---- the scenario ---------------------------------------------------------------------
    def sign_scenario(self):
        srv, key = self.srv, self.key
        srv.start()
        for level in range(100, 201, 20):
            self.sign_ok(key, payloads.attestation(level), srv)
        self.sign_ok(key, payloads.block(100), srv)
        self.sign_ok(key, payloads.preattestation(100), srv)
        self.sign_ok(key, payloads.attestation(101, chain="ghostnet"), srv)
        self.assertEqual(srv.stop(), 0, srv.log_tail())
        srv.start()  # rewrites the log: one record per slot
        self.assertEqual(srv.stop(), 0, srv.log_tail())
        self.check_layout(self.log.read_bytes())
        pristine = self.srv.dir / "pristine"
        shutil.copytree(self.log.parent, pristine)
        return pristine

    def check_layout(self, data):
        """The documented format 2 layout, read with this file's own parser."""
        self.assertEqual(data[:8], b"SIGWMLOG")
        version, crc = struct.unpack_from("<II", data, 8)
        self.assertEqual((version, crc), (2, crc32c(data[:12])))
        size, _, crc = struct.unpack_from("<QII", data, 16)
        self.assertEqual((size, crc), (len(data), crc32c(data[:28])))
        for i in range(RECORDS):
            mark = data[HEADER + i * SLOT:HEADER + (i + 1) * SLOT]
            self.assertEqual(mark[0], 1)  # a mark record
            seq, crc = struct.unpack_from("<II", mark, 168)
            self.assertEqual((seq, crc), (i + 1, crc32c(mark[:172])))
        commit = data[HEADER + RECORDS * SLOT:HEADER + (RECORDS + 1) * SLOT]
        self.assertEqual(commit[0], 2)
        self.assertEqual(struct.unpack_from("<II", commit, 168), (RECORDS, crc32c(commit[:172])))
        self.assertEqual(set(data[HEADER + (RECORDS + 1) * SLOT:]), {0})

    def restore(self, pristine):
        shutil.rmtree(self.log.parent)
        shutil.copytree(pristine, self.log.parent)

    def double_signatures_refused(self):
        """The issue's double signatures, and the highest attestation, are refused."""
        srv, key = self.srv, self.key
        self.refused(srv, key, payloads.block(100, variant=3))
        self.refused(srv, key, payloads.preattestation(100, variant=3))
        self.refused(srv, key, payloads.attestation(101, variant=3, chain="ghostnet"))
        self.refused(srv, key, payloads.attestation(200, variant=3))

    # ---- damage -----------------------------------------------------------------------------
    def expect_refusal_then_way_out(self, offset_text):
        srv = self.srv
        before = len(srv.log_text())
        rc = srv.run_until_exit()
        self.assertNotIn(rc, (0, None), "the signer started on a damaged watermark log")
        output = srv.log_text()[before:]
        errors = [line for line in output.splitlines() if str(self.log) in line]
        self.assertEqual(len(errors), 1, output)
        for part in (offset_text, "refuses to start", "signatory-cli watermark set-floor",
                     "signatory-cli watermark import"):
            self.assertIn(part, errors[0])
        # The way out: floors at the highest levels signed, for each chain the key signs on.
        outputs = [self.cli(srv, "watermark", "set-floor", "--pkh", self.key["public_key_hash"],
                            "--chain", chain, "--level", str(level)).stderr
                   for chain, level in ((mainnet(), 200), (ghostnet(), 101))]
        self.assertIn("Watermark log", outputs[0])  # the first one says what it repaired
        srv.start()
        self.double_signatures_refused()
        self.sign_ok(self.key, payloads.attestation(201), srv)
        self.sign_ok(self.key, payloads.block(201), srv)
        self.assertEqual(srv.stop(), 0, srv.log_tail())

    def test_each_manipulation_refuses_until_the_operator_sets_floors(self):
        pristine = self.sign_scenario()
        data = (pristine / "marks.log").read_bytes()
        last = HEADER + (RECORDS - 1) * SLOT

        def truncate(size):
            return lambda: self.log.write_bytes(data[:size])

        def flip(offset, bit):
            def apply():
                damaged = bytearray(data)
                damaged[offset] ^= 1 << bit
                self.log.write_bytes(bytes(damaged))
            return apply

        def zero(start, end):
            return lambda: self.log.write_bytes(data[:start] + bytes(end - start) + data[end:])

        cases = [
            ("truncate -s 16+176 (the issue's)", truncate(16 + 176), "truncated"),
            ("truncated to two records", truncate(HEADER + 2 * SLOT), "truncated"),
            ("truncated by one byte", truncate(len(data) - 1), "truncated"),
            ("truncate -s 16", truncate(16), "header"),
            ("one bit flipped in the last record", flip(last + 40, 3), f"offset {last}"),
            ("last record zeroed", zero(last, last + SLOT), f"offset {last}"),
            ("every record zeroed", zero(HEADER, HEADER + RECORDS * SLOT), f"offset {HEADER}"),
            ("marks.log deleted, watermark_log/ and LOCK kept", self.log.unlink,
             "the file is missing"),
        ]
        for name, manipulate, offset_text in cases:
            with self.subTest(name):
                self.restore(pristine)
                manipulate()
                self.assertTrue((self.log.parent / "LOCK").exists())
                self.expect_refusal_then_way_out(offset_text)

    # ---- not damage ---------------------------------------------------------------------------
    def test_write_torn_by_a_crash_is_recovered_automatically(self):
        pristine = self.sign_scenario()
        data = bytearray((pristine / "marks.log").read_bytes())
        commit = HEADER + RECORDS * SLOT
        # A new record was being written over the commit when the process died: its first 100
        # bytes arrived, the new commit not at all.
        torn = bytearray(SLOT)
        torn[0], torn[1], torn[40:72] = 1, 3, bytes(range(32))
        data[commit:commit + 100] = torn[:100]
        self.log.write_bytes(bytes(data))
        srv = self.srv
        srv.start()
        self.assertIn("incomplete record", srv.log_text())
        self.double_signatures_refused()
        self.sign_ok(self.key, payloads.attestation(201), srv)
        self.assertEqual(srv.stop(), 0, srv.log_tail())

    def test_log_of_an_earlier_version_is_upheld_and_upgraded(self):
        tagged = bytes.fromhex(self.key["public_key_hash_tagged_hex"])
        chain = bytes.fromhex(vectors().chains["mainnet"]["hex"])
        # Attestation and block marks (level only, round 0), as format 1 stored them.
        log = header() + record(1, chain, tagged, 300, 0) + record(3, chain, tagged, 250, 0)
        self.log.parent.mkdir(parents=True)
        self.log.write_bytes(log + bytes(SLOT * 3))
        (self.log.parent / "LOCK").touch()
        srv = self.srv
        srv.start()
        self.refused(srv, self.key, payloads.attestation(300))
        self.refused(srv, self.key, payloads.block(250))
        self.sign_ok(self.key, payloads.attestation(301), srv)
        self.assertEqual(srv.stop(), 0, srv.log_tail())
        upgraded = self.log.read_bytes()
        self.assertEqual(struct.unpack_from("<I", upgraded, 8)[0], 2)
        self.assertTrue((self.log.parent / "CREATED").exists())
        # From now on a missing log is refused.
        self.log.unlink()
        self.assertNotIn(srv.run_until_exit(), (0, None))


if __name__ == "__main__":
    unittest.main()
