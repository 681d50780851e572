"""Shell completion as an operator gets it: the scripts the binaries write
(`<binary> completion bash|zsh|fish`) laid out as `cmake --install` lays them out, loaded the
way each shell loads them (bash: sourced, as bash-completion does; zsh: autoloaded from $fpath
by compinit; fish: from its vendor completions directory), and a real interactive shell on a
pseudo-terminal completing a typed line on TAB. A shell that is not installed is skipped
(scripts/install-deps installs zsh and fish)."""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import server_binary
from test_watermark_cli import cli_binary

WAIT_S = 20  # how long a shell may take to start or to complete (a loaded machine)
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|[\x07\r]")

# (typed line, text the line must show after one TAB)
CASES = [
    ("signatory-cli list-r", "signatory-cli list-requests "),
    ("signatory-cli generate -t secp", "-t secp256k1 "),
    ("signatory-cli -c {config} import --vault c", "--vault cold "),
    ("signatory-cli watermark set-floor --kind pre", "--kind preattestation "),
    ("signatory serve --body", "serve --body-limit "),
]


class InteractiveShell:
    """An interactive shell on a pseudo-terminal, with the binaries' directory on PATH."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.execvpe(argv[0], argv, env)
        self.seen = b""

    def read_until(self, text, timeout=WAIT_S):
        """Reads the terminal until `text` appears (escape sequences removed); the output."""
        deadline = time.monotonic() + timeout
        want = text.encode()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                self.seen += chunk
                if want in ANSI.sub(b"", self.seen):
                    out, self.seen = ANSI.sub(b"", self.seen).decode(errors="replace"), b""
                    return out
        return None

    def send(self, text):
        os.write(self.fd, text.encode())

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


class ShellCompletionCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="signatory-completion-")
        root = Path(cls.tmp.name)
        cls.bin_dir = root / "bin"
        cls.bin_dir.mkdir()
        binaries = {"signatory": server_binary(), "signatory-cli": cli_binary()}
        for name, path in binaries.items():
            if not os.access(path, os.X_OK):
                raise unittest.SkipTest(f"{name} not found: {path}")
            (cls.bin_dir / name).symlink_to(os.path.abspath(path))
        # The installed layout (cmake/completion.cmake).
        cls.share = root / "share"
        layout = {"bash": "bash-completion/completions/{}", "zsh": "zsh/vendor-completions/_{}",
                  "fish": "fish/vendor_completions.d/{}.fish"}
        for shell, pattern in layout.items():
            for name in binaries:
                target = cls.share / pattern.format(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                script = subprocess.run([str(cls.bin_dir / name), "completion", shell],
                                        check=True, capture_output=True, timeout=60).stdout
                target.write_bytes(script)
        cls.config = root / "signatory.yaml"
        cls.config.write_text(f"base_dir: {root}\nvaults:\n  hot:\n    driver: mem\n"
                              "  cold:\n    driver: mem\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BASH", "ZDOTDIR"))}
        env.update(PATH=f"{self.bin_dir}:{os.environ['PATH']}", TERM="dumb", HOME=self.tmp.name,
                   XDG_CONFIG_HOME=self.tmp.name, XDG_DATA_HOME=self.tmp.name)
        return env

    def check_shell(self, argv, setup):
        if shutil.which(argv[0]) is None:
            self.skipTest(f"{argv[0]} is not installed")
        for typed, expected in CASES:
            typed = typed.format(config=self.config)
            with self.subTest(shell=argv[0], line=typed):
                shell = InteractiveShell(argv, self.env())
                try:
                    for command in setup:
                        shell.send(command + "\n")
                    shell.send("echo READ''Y\n")  # the echo of the line itself does not match
                    self.assertIsNotNone(shell.read_until("READY\n"), f"{argv[0]} did not start")
                    shell.send(typed + "\t")
                    out = shell.read_until(expected)
                    self.assertIsNotNone(out, f"{typed!r} + TAB never showed {expected!r}")
                finally:
                    shell.close()

    def test_bash(self):
        bash_dir = self.share / "bash-completion" / "completions"
        self.check_shell(["bash", "--norc", "--noprofile", "-i"],
                         ["PS1='$ '",
                          f"for f in {bash_dir}/*; do source \"$f\"; done"])

    def test_zsh(self):
        self.check_shell(["zsh", "-f", "-i"],
                         ["PS1='$ '",
                          f"fpath=({self.share}/zsh/vendor-completions $fpath)",
                          "autoload -U compinit && compinit -u -D"])

    def test_fish(self):
        self.check_shell(["fish", "--no-config", "-i"],
                         ["function fish_prompt; echo '$ '; end",
                          "set fish_complete_path "
                          f"{self.share}/fish/vendor_completions.d $fish_complete_path"])


if __name__ == "__main__":
    unittest.main()
