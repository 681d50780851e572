"""Run one SignatoryServer for the Node (Taquito) tests.

Usage: python3 fixture_server.py '<json spec>' where spec is
{"vault": [key ids], "policies": {key id: policy or null}}. Prints one JSON line
{"port", "utility_port", "dir"} once the server listens (or {"error": …} and exits 1),
then runs until stdin is closed or SIGTERM/SIGINT arrives, and always stops the server.
"""

import json
import signal
import sys
import threading

from harness import SignatoryServer, vectors


def main():
    spec = json.loads(sys.argv[1])
    v = vectors()
    server = SignatoryServer([v.key(k) for k in spec["vault"]],
                             {v.key(k)["public_key_hash"]: p
                              for k, p in spec["policies"].items()})
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        try:
            server.start()
        except RuntimeError as e:
            print(json.dumps({"error": str(e)}), flush=True)
            return 1
        print(json.dumps({"port": server.port, "utility_port": server.utility_port,
                          "dir": str(server.dir)}), flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        while not done.wait(0.5):
            pass
        return 0
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
