"""Watermark store faults through the HTTP API: a full disk, a read-only watermark directory,
and log writes that fail in place.

How each fault is made (real kernel behaviour for the first two):
* Full disk: base_dir is a private tmpfs (`mount -t tmpfs -o size=8m`), filled with a file until
  ENOSPC while the signer runs. The file backend keeps room for 4096 records after each rewrite
  of its log (src/watermark/file/mark_log.h), so a full disk shows when that room is used up and the
  log must be rewritten; the test signs consensus requests at rising levels until then.
* Read-only directory: a read-only bind mount over <base_dir>/watermark_log. The signer's open
  descriptor stays writable (as after such a mount in production), so again the next rewrite of
  the log is what fails, with EROFS.
* In-place failures: a filesystem cannot be remounted read-only while the signer holds its log
  open for writing (the kernel answers EBUSY), and a failing disk needs a device-mapper target
  this container lacks; so an LD_PRELOAD shim (faults/fail_log_writes.c, compiled here with cc)
  makes pwrite on the log fail with EROFS, or fdatasync with EIO, while a control file says so.

Mounting needs CAP_SYS_ADMIN (CI runs as root); without it the first two tests are skipped with
the reason, as the third is without a C compiler.

Checked for every fault: consensus requests that need a new mark get 503 naming the cause;
GET /keys, generic operations and identical bytes at the current mark are still served;
/healthz is 503 with the reason; once the disk recovers (space freed, directory writable,
fault cleared) signing resumes without a restart — except after a failed fdatasync, which by
design refuses every new mark until the signer restarts — and every mark made before the fault
still holds, also across a restart.
"""

import errno
import os
import shutil
import subprocess
import tempfile
import threading
import unittest
from pathlib import Path

import payloads
from harness import HERE, KeepAliveClient, SignatoryServer, vectors
from server_case import ServerCase

KEYS = ("ed25519_0", "secp256k1_0", "p256_0", "ed25519_1")
POLICY = {"allow": {"generic": ["transaction"], "block": None, "preattestation": None,
                    "attestation": None}}
REFUSED = "watermark validation failed"
STORE_ERROR = "watermark store: cannot persist mark: "
MAX_REQUESTS = 20000  # far more than one log's preallocated room
VERIFY_EVERY = 97  # signatures of the bulk traffic checked with Taquito (a sample)


def run(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True, stdin=subprocess.DEVNULL)


class DiskFaultTest(ServerCase):

    def setUp(self):
        super().setUp()
        self.workdir = Path(tempfile.mkdtemp(prefix="signatory-diskfault-"))
        self.addCleanup(shutil.rmtree, self.workdir, True)
        v = vectors()
        self.keys = [v.key(k) for k in KEYS]
        # (key, request maker) per client thread: each stream's levels only go up.
        self.streams = [(self.keys[0], payloads.attestation), (self.keys[1], payloads.block),
                        (self.keys[2], payloads.preattestation),
                        (self.keys[3], payloads.attestation)]
        self.last = {}  # stream index → (level, message, signature) of its newest signature

    def new_server(self):
        server = SignatoryServer(self.keys, {k["public_key_hash"]: POLICY for k in self.keys},
                                 workdir=self.workdir, log_level="info")
        self.addCleanup(server.close)
        return server

    def mount_or_skip(self, *args):
        out = run("mount", *args)
        if out.returncode != 0:
            self.skipTest(f"cannot mount here ({out.stderr.strip()}); this test needs "
                          "CAP_SYS_ADMIN (CI runs as root)")
        target = args[-1]
        self.addCleanup(lambda: run("umount", target).returncode and run("umount", "-l", target))

    # ---- traffic ---------------------------------------------------------------------------
    def sign_until_refused(self, server, cause):
        """Signs rising levels on every stream from one thread each until a request is refused
        for the store; returns (signatures made, the refused stream's index and message)."""
        stop = threading.Event()
        lock = threading.Lock()
        state = {"signed": 0, "refused": None, "unexpected": []}

        def client(i):
            key, make = self.streams[i]
            conn = KeepAliveClient(server.port)
            level = self.last.get(i, (1000,))[0] + 1
            try:
                while not stop.is_set():
                    message = make(level)
                    resp = conn.sign(key["public_key_hash"], message)
                    with lock:
                        if resp.status == 200:
                            self.last[i] = (level, message, resp.json()["signature"])
                            state["signed"] += 1
                            if state["signed"] % VERIFY_EVERY == 1:
                                self._to_verify.append((message, key["public_key"],
                                                        resp.json()["signature"]))
                            if state["signed"] >= MAX_REQUESTS:
                                stop.set()
                        elif resp.status == 503 and state["refused"] is None:
                            state["refused"] = (i, message, resp)
                            stop.set()
                        elif resp.status != 503:
                            state["unexpected"].append(resp)
                            stop.set()
                    level += 1
            except Exception as e:  # noqa: BLE001 - any crash of a client is a test failure
                with lock:
                    state["unexpected"].append(f"client {i}: {e!r}")
                stop.set()
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(self.streams))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(state["unexpected"], [])
        self.assertIsNotNone(state["refused"], f"{state['signed']} marks written, none refused")
        i, message, resp = state["refused"]
        self.assert_store_error(resp, cause)
        return state["signed"], i, message

    # ---- checks ----------------------------------------------------------------------------
    def assert_store_error(self, resp, cause):
        msg = self.assertTezosError(resp, 503)
        self.assertTrue(msg.startswith(STORE_ERROR), msg)
        self.assertIn(cause, msg)
        return msg

    def healthz(self, server):
        resp = server.request("GET", "/healthz", utility=True)
        return resp.status, resp.json()

    def assert_refusing(self, server, cause):
        """While the store cannot write: new marks 503, everything else served."""
        key, make = self.streams[0]
        level, message, signature = self.last[0]
        self.assert_store_error(server.sign(key["public_key_hash"], make(level + 10)), cause)
        self.assert_store_error(server.sign(self.keys[1]["public_key_hash"],
                                            payloads.attestation(5, chain="ghostnet")), cause)
        # Identical bytes at the current mark need no write: the same signature again.
        self.assertEqual(self.sign_ok(key, message, server), signature)
        # Below the mark is still a conflict, not a store error.
        self.assertTezosError(server.sign(key["public_key_hash"], make(level - 1)), 409, REFUSED)
        self.assertAlive(server)
        self.sign_ok(key, vectors().op_hex("transaction_tz1_to_tz1"), server)
        status, body = self.healthz(server)
        self.assertEqual(status, 503, body)
        self.assertFalse(body["ready"])
        self.assertTrue(body["reason"].startswith("watermark store: "), body)
        self.assertIn(cause, body["reason"])

    def assert_marks_hold(self, server):
        """Other bytes at, and requests below, every stream's newest signature are refused."""
        for i, (level, _, _) in self.last.items():
            key, make = self.streams[i]
            for message in (make(level, variant=5), make(level - 1)):
                self.assertTezosError(server.sign(key["public_key_hash"], message), 409, REFUSED)

    def assert_recovered(self, server, refused):
        i, message = refused
        key, make = self.streams[i]
        # Nothing was signed for the refused request: it signs now, without a restart.
        self.sign_ok(key, message, server)
        self.assertEqual(self.healthz(server), (200, {"ready": True}))
        self.assert_marks_hold(server)

    def assert_durable_after_restart(self, server):
        self.assertEqual(server.stop(), 0, server.log_tail())
        server.start()
        self.assert_marks_hold(server)
        key, make = self.streams[0]
        self.sign_ok(key, make(self.last[0][0] + 1000), server)

    # ---- tests -----------------------------------------------------------------------------
    def test_full_disk(self):
        base = self.workdir / "base"
        base.mkdir()
        self.mount_or_skip("-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(base))
        server = self.new_server()
        server.start()
        filler = base / "filler"
        with open(filler, "wb", buffering=0) as f:
            for chunk in (1 << 20, 4096, 1):
                try:
                    while True:
                        f.write(b"\0" * chunk)
                except OSError as e:
                    self.assertEqual(e.errno, errno.ENOSPC)
        signed, i, message = self.sign_until_refused(server, "No space left on device")
        self.assertGreater(signed, 0, "the preallocated room should take marks on a full disk")
        self.assert_refusing(server, "No space left on device")
        filler.unlink()
        self.assert_recovered(server, (i, message))
        self.assert_durable_after_restart(server)

    def test_read_only_watermark_directory(self):
        server = self.new_server()
        server.start()
        store = server.base_dir / "watermark_log"
        self.assertTrue((store / "marks.log").is_file())
        self.mount_or_skip("--bind", str(store), str(store))
        out = run("mount", "-o", "remount,bind,ro", str(store))
        self.assertEqual(out.returncode, 0, out.stderr)
        signed, i, message = self.sign_until_refused(server, "Read-only file system")
        self.assertGreater(signed, 0)
        self.assert_refusing(server, "Read-only file system")
        out = run("umount", str(store))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assert_recovered(server, (i, message))
        self.assert_durable_after_restart(server)

    def test_log_writes_failing_in_place(self):
        if shutil.which("cc") is None:
            self.skipTest("no C compiler (cc) to build faults/fail_log_writes.c")
        shim = self.workdir / "fail_log_writes.so"
        out = run("cc", "-shared", "-fPIC", "-O2", "-o", str(shim),
                  str(HERE / "faults" / "fail_log_writes.c"), "-ldl")
        self.assertEqual(out.returncode, 0, out.stderr)
        control = self.workdir / "fault"
        server = self.new_server()
        server.env = dict(os.environ, LD_PRELOAD=str(shim), SIGNATORY_FAULT_CONTROL=str(control))
        server.start()
        key, make = self.streams[0]
        for level in (2000, 2001):
            self.last[0] = (level, make(level), self.sign_ok(key, make(level), server))

        # pwrite fails (a filesystem gone read-only): refused until it works again.
        control.write_text(f"write {errno.EROFS}")
        refused = make(2002)
        self.assert_store_error(server.sign(key["public_key_hash"], refused),
                                "Read-only file system")
        self.assert_refusing(server, "Read-only file system")
        control.unlink()
        self.assert_recovered(server, (0, refused))
        self.last[0] = (2002, refused, self.sign_ok(key, refused, server))

        # fdatasync fails: the kernel may have dropped the data, so the log refuses every new
        # mark, even once the disk answers again, until a restart re-reads it.
        control.write_text(f"sync {errno.EIO}")
        msg = self.assert_store_error(server.sign(key["public_key_hash"], make(2003)),
                                      "Input/output error")
        self.assertIn("restart the signer", msg)
        control.unlink()
        self.assert_refusing(server, "restart the signer")
        self.assertIn("Input/output error", self.healthz(server)[1]["reason"])
        self.assert_durable_after_restart(server)
        self.assertEqual(self.healthz(server), (200, {"ready": True}))


if __name__ == "__main__":
    unittest.main()
