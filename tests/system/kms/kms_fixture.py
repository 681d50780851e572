#!/usr/bin/env python3
"""Test fixture around kms_emulator.py: start it on a free 127.0.0.1 port with SigV4 checking
on, create an IAM user (and a role for session credentials) with boto3, create KMS keys, change
their state. Used by test_kms_system.py and, through the command line, by the C++ unit test
tests/unit/aws/kms_emulator_test.cpp.

Command line (prints JSON on stdout; OPS are pairs `OP ARG`, see run_ops):
  kms_fixture.py start [OPS…]               start the emulator, bootstrap IAM, run OPS; prints
                                            {"pid","endpoint","region","user":{…},"session":{…},
                                             "results":[…]}; the caller kills pid when done
  kms_fixture.py ENDPOINT AKID SECRET OPS…  run OPS as the user; prints the results list
  OPS: create-key SPEC[:USAGE] → {"KeyId","Arn","PublicKey"} | disable-key ID | enable-key ID |
       schedule-deletion ID → {}
Only loopback addresses are ever contacted.
"""

import base64
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
ACCOUNT = "123456789012"
# Requests moto leaves unchecked: create_user, put_user_policy, create_access_key, create_role,
# put_role_policy. Everything after them must carry a valid SigV4 signature.
NO_AUTH_ACTIONS = 5


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(service, endpoint, akid, secret, token=None):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=akid,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=20),
    )


def start_emulator(log_path=None):
    """Starts kms_emulator.py; returns (process, endpoint). The caller stops it."""
    port = free_port()
    env = dict(os.environ)
    env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(NO_AUTH_ACTIONS)
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("AWS_ENDPOINT_URL_KMS", None)
    log = open(log_path or os.devnull, "ab")
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "kms_emulator.py"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    log.close()
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kms_emulator.py exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("kms_emulator.py did not start listening within 30 s")
    return proc, f"http://127.0.0.1:{port}"


def bootstrap(endpoint):
    """Creates IAM user `signer` (kms:* and sts:AssumeRole allowed) and role `signer-role`; returns the user's
    long-term keys and session credentials from sts:AssumeRole."""
    iam = _client("iam", endpoint, "AKIAIOSFODNN7EXAMPLE", "bootstrap-secret-unchecked")
    iam.create_user(UserName="signer")
    allow_all = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:*", "sts:AssumeRole"], "Resource": "*"}]}
    )
    iam.put_user_policy(UserName="signer", PolicyName="kms", PolicyDocument=allow_all)
    key = iam.create_access_key(UserName="signer")["AccessKey"]
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/signer"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    iam.create_role(RoleName="signer-role", AssumeRolePolicyDocument=trust)
    allow_kms = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["kms:*", "sts:*"], "Resource": "*"}],
        }
    )
    iam.put_role_policy(RoleName="signer-role", PolicyName="kms", PolicyDocument=allow_kms)
    user = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}
    sts = _client("sts", endpoint, user["access_key_id"], user["secret_access_key"])
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/signer-role", RoleSessionName="signatory-test"
    )["Credentials"]
    session = {
        "access_key_id": creds["AccessKeyId"],
        "secret_access_key": creds["SecretAccessKey"],
        "session_token": creds["SessionToken"],
    }
    return user, session


def kms(endpoint, user):
    return _client("kms", endpoint, user["access_key_id"], user["secret_access_key"])


def create_key(kms_client, spec, usage="SIGN_VERIFY"):
    """Creates a key; returns KeyId, Arn and, for asymmetric keys, the base64 DER PublicKey."""
    meta = kms_client.create_key(KeySpec=spec, KeyUsage=usage, Description=f"test {spec}")["KeyMetadata"]
    out = {"KeyId": meta["KeyId"], "Arn": meta["Arn"]}
    if usage == "SIGN_VERIFY":
        der = kms_client.get_public_key(KeyId=meta["KeyId"])["PublicKey"]
        out["PublicKey"] = base64.b64encode(der).decode("ascii")
    return out


def run_ops(client, ops):
    """Runs (op, arg) pairs: create-key SPEC[:USAGE] | disable-key ID | enable-key ID |
    schedule-deletion ID. Returns one result per op."""
    results = []
    for op, arg in ops:
        if op == "create-key":
            spec, _, usage = arg.partition(":")
            if not usage:
                usage = "ENCRYPT_DECRYPT" if spec == "SYMMETRIC_DEFAULT" else "SIGN_VERIFY"
            results.append(create_key(client, spec, usage))
        elif op == "disable-key":
            client.disable_key(KeyId=arg)
            results.append({})
        elif op == "enable-key":
            client.enable_key(KeyId=arg)
            results.append({})
        elif op == "schedule-deletion":
            client.schedule_key_deletion(KeyId=arg, PendingWindowInDays=7)
            results.append({})
        else:
            raise ValueError(f"unknown operation {op}")
    return results


def emulator_call(endpoint, method, path, body=None):
    """One request to the emulator's control routes (`/_emulator/faults`, `/_emulator/requests`);
    returns (HTTP status, decoded JSON answer)."""
    import http.client
    from urllib.parse import urlparse

    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body))
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read().decode())
    finally:
        conn.close()


def main(argv):
    if argv[:1] == ["start"]:
        ops = list(zip(argv[1::2], argv[2::2]))
        proc, endpoint = start_emulator(os.environ.get("KMS_EMULATOR_LOG"))
        try:
            user, session = bootstrap(endpoint)
            keys = run_ops(kms(endpoint, user), ops)
        except Exception:
            proc.kill()
            raise
        print(json.dumps({"pid": proc.pid, "endpoint": endpoint, "region": REGION,
                          "user": user, "session": session, "results": keys}))
        return 0
    if len(argv) < 5 or len(argv) % 2 == 0:
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, akid, secret = argv[0], argv[1], argv[2]
    client = kms(endpoint, {"access_key_id": akid, "secret_access_key": secret})
    print(json.dumps(run_ops(client, list(zip(argv[3::2], argv[4::2])))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
