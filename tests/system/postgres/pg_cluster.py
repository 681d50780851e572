#!/usr/bin/env python3
"""A private PostgreSQL 15 cluster for tests and benchmarks, in a temporary directory, on a
free 127.0.0.1 port, with password (SCRAM) authentication for a `signatory` role.

PostgreSQL refuses to run as root, and CI runs as root: then initdb, pg_ctl and the server
run as the `postgres` user (`runuser -u postgres`), in a directory that user owns. Binaries
come from Debian's postgresql-15 (/usr/lib/postgresql/15/bin; env SIGNATORY_PG_BIN to
override). The initdb result is cached once per machine as a template (a locked, atomically
renamed directory under /tmp) and copied for each cluster, so starting one costs a copy and
a server start, not an initdb.

As a library: `with PgCluster() as pg: ... pg.dsn, pg.password_file, pg.stop(), pg.start()`.
As a command (used by the C++ unit tests and the bench):
    pg_cluster.py start [--fsync]   → prints one JSON line {dir, port, dsn, password_file, user}
    pg_cluster.py stop DIR          → stops the server (fast) and keeps the directory
    pg_cluster.py start-again DIR   → starts a stopped cluster again on the same port
    pg_cluster.py destroy DIR       → stops it (immediate) and removes the directory
Not thread-safe as an object; one owner per cluster.
"""

import fcntl
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("SIGNATORY_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "signatory"
TEMPLATE_VERSION = "v1"
START_TIMEOUT_S = 60


class PgUnavailable(RuntimeError):
    """PostgreSQL binaries or the `postgres` user are missing."""


def _is_root():
    return os.geteuid() == 0


def _server_user():
    """(uid, gid, prefix) the server runs as: the `postgres` user when we are root."""
    if not _is_root():
        return os.getuid(), os.getgid(), []
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        raise PgUnavailable("running as root but there is no `postgres` user "
                            "(install postgresql-15: scripts/install-deps)")
    return pw.pw_uid, pw.pw_gid, ["runuser", "-u", "postgres", "--"]


def check_binaries():
    missing = [b for b in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / b).is_file()]
    if missing:
        raise PgUnavailable(f"PostgreSQL 15 server binaries not found in {PG_BIN} "
                            f"(missing {', '.join(missing)}): install postgresql-15 "
                            "(scripts/install-deps) or set SIGNATORY_PG_BIN")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd, **kw):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)


def _base_tmp():
    # A directory the `postgres` user can traverse (TMPDIR might be root's private one).
    return os.environ.get("SIGNATORY_PG_TMP", "/tmp")


def _template_dir():
    """The cached initdb result (data/ and password), built once under a lock."""
    uid, gid, prefix = _server_user()
    root = Path(_base_tmp()) / f"signatory-pg-template-15-{TEMPLATE_VERSION}-{uid}"
    lock_path = Path(_base_tmp()) / f"signatory-pg-template-15-{TEMPLATE_VERSION}-{uid}.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "data" / "PG_VERSION").is_file() and (root / "password").is_file():
            return root
        build = Path(tempfile.mkdtemp(prefix="signatory-pg-template-build-", dir=_base_tmp()))
        try:
            os.chown(build, uid, gid)
            os.chmod(build, 0o700)
            password = secrets.token_urlsafe(24)
            pwfile = build / "password"
            pwfile.write_text(password + "\n")
            os.chown(pwfile, uid, gid)
            os.chmod(pwfile, 0o600)
            r = _run(prefix + [str(PG_BIN / "initdb"), "-D", str(build / "data"), "-U", USER,
                               "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                               "--locale=C", "--no-sync", "--no-instructions"])
            if r.returncode != 0:
                raise RuntimeError(f"initdb failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
            shutil.rmtree(root, ignore_errors=True)
            os.rename(build, root)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
        return root


class PgCluster:
    def __init__(self, fsync=False, directory=None, port=None):
        self.fsync = fsync
        self.dir = Path(directory) if directory else None
        self.port = port
        self._owns = directory is None

    # ---- paths -----------------------------------------------------------------------
    @property
    def data(self):
        return self.dir / "data"

    @property
    def log(self):
        return self.dir / "postgres.log"

    @property
    def password_file(self):
        return str(self.dir / "password")

    @property
    def password(self):
        return Path(self.password_file).read_text().strip()

    @property
    def dsn(self):
        return f"host=127.0.0.1 port={self.port} dbname=postgres user={USER}"

    def info(self):
        return {"dir": str(self.dir), "port": self.port, "dsn": self.dsn,
                "password_file": self.password_file, "user": USER}

    # ---- life cycle ------------------------------------------------------------------
    def create(self):
        """Copies the template into a new directory and starts the server."""
        check_binaries()
        uid, gid, _ = _server_user()
        template = _template_dir()
        self.dir = Path(tempfile.mkdtemp(prefix="signatory-pg-", dir=_base_tmp()))
        try:
            os.chown(self.dir, uid, gid)
            os.chmod(self.dir, 0o755)  # the test process reads the password file
            r = _run(["cp", "-a", str(template / "data"), str(self.data)])
            if r.returncode != 0:
                raise RuntimeError(f"copying the template failed: {r.stderr}")
            shutil.copy(template / "password", self.password_file)
            os.chmod(self.password_file, 0o644)
            for attempt in range(5):
                self.port = _free_port()
                try:
                    self.start()
                    (self.dir / "port").write_text(str(self.port))
                    return self
                except RuntimeError:
                    if attempt == 4 or "could not bind" not in self._log_text():
                        raise
        except BaseException:
            self.destroy()
            raise

    def _log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def _ctl(self, *args):
        _, _, prefix = _server_user()
        return _run(prefix + [str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args])

    def start(self):
        """Starts the (stopped) server on self.port and waits until it accepts connections."""
        opts = (f"-c port={self.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.dir} -c max_connections=100 "
                f"-c fsync={'on' if self.fsync else 'off'} "
                f"-c synchronous_commit={'on' if self.fsync else 'off'} "
                "-c full_page_writes=off -c shared_buffers=32MB")
        r = self._ctl("-l", str(self.log), "-w", "-t", str(START_TIMEOUT_S), "-o", opts, "start")
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed ({r.returncode}): {r.stdout}{r.stderr}\n"
                               f"{self._log_text()[-2000:]}")

    def stop(self, mode="fast"):
        """Stops the server (fast: disconnects clients, clean shutdown)."""
        r = self._ctl("-w", "-t", str(START_TIMEOUT_S), "-m", mode, "stop")
        if r.returncode != 0 and "Is server running?" not in r.stderr:
            raise RuntimeError(f"pg_ctl stop failed ({r.returncode}): {r.stdout}{r.stderr}")

    def running(self):
        return self._ctl("status").returncode == 0

    def destroy(self):
        """Stops the server if running (immediate) and removes the directory."""
        if self.dir is None:
            return
        if self.data.is_dir():
            self._ctl("-w", "-t", "30", "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    # ---- client ----------------------------------------------------------------------
    def psql(self, sql):
        """Runs `sql` with psql over TCP as the signatory role; returns stdout (tuples only,
        unaligned, | separated)."""
        env = dict(os.environ, PGPASSWORD=self.password)
        r = _run([str(PG_BIN / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                  "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", "postgres",
                  "-c", sql], env=env)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr}")
        return r.stdout

    def __enter__(self):
        return self.create()

    def __exit__(self, *exc):
        self.destroy()


def main(argv):
    if len(argv) >= 1 and argv[0] == "start":
        try:
            pg = PgCluster(fsync="--fsync" in argv[1:]).create()
        except PgUnavailable as e:
            print(f"pg_cluster: {e}", file=sys.stderr)
            return 3
        print(json.dumps(pg.info()), flush=True)
        return 0
    if len(argv) == 2 and argv[0] in ("stop", "start-again", "destroy"):
        directory = Path(argv[1])
        port_file = directory / "port"
        port = int(port_file.read_text()) if port_file.is_file() else None
        pg = PgCluster(directory=directory, port=port)
        {"stop": pg.stop, "start-again": pg.start, "destroy": pg.destroy}[argv[0]]()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
