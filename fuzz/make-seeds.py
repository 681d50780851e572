#!/usr/bin/env python3
# Writes the seed corpus of every fuzz target into OUT/<target>/ (in the build tree, never
# committed) from the test vectors (tests/vectors), the config examples of the unit tests, keys and
# signatures made on the spot with the `openssl` command, and a few hand-made watermark files.
# Usage: fuzz/make-seeds.py OUT [TESTDATA]   (TESTDATA defaults to tests/vectors)
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE, 'tests', 'system'))
import mark_log_format as wlog  # noqa: E402 - the watermark log layout, shared with the system tests
HEX = re.compile(r'(?:[0-9a-fA-F]{2})+')
B58 = re.compile(r'[1-9A-HJ-NP-Za-km-z]{8,}')


def strings(node, key=None):
    """(key, string) for every string leaf of a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v, key)
    elif isinstance(node, str):
        yield key, node


class Corpus:
    def __init__(self, out):
        self.out = out
        self.counts = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode()
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        name = 'seed-' + hashlib.sha1(data).hexdigest()[:16]
        path = os.path.join(d, name)
        if not os.path.exists(path):
            with open(path, 'wb') as f:
                f.write(data)
            self.counts[target] = self.counts.get(target, 0) + 1


def load(testdata, name):
    path = os.path.join(testdata, 'tezos', name)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def sign_request_seeds(c, docs):
    hex_keys = {'signing_bytes_hex', 'sign_request_hex', 'message_hex', 'hex', 'to_sign_hex'}
    bodies = []
    for doc in docs.values():
        for key, s in strings(doc):
            if key in hex_keys and HEX.fullmatch(s):
                raw = bytes.fromhex(s)
                for version in (2, 1, 0) if raw[:1] == b'\x13' else (2,):
                    c.add('sign_request', bytes([version]) + raw)
                bodies.append(s)
    return bodies


def base58_seeds(c, docs):
    found = []
    for doc in docs.values():
        for key, s in strings(doc):
            if B58.fullmatch(s) and not HEX.fullmatch(s):
                c.add('base58', s)
                found.append(s)
    for bad in ('', '1', '11111111111111111111', 'tz1', 'edsig', '0OIl', 'tz1\u00e9'):
        c.add('base58', bad)
    return found


def sign_body_seeds(c, hexes):
    for s in hexes[:40]:
        c.add('sign_body', json.dumps(s))
    sample = hexes[0] if hexes else '03ab'
    for body in (' "%s"\n' % sample, '"%s"' % sample.upper(), '"\\u0030%s"' % sample[1:],
                 '["%s"]' % sample, '{"x":"%s"}' % sample, '"0"', '""', 'null', '', '"\\"', '"03\\/"'):
        c.add('sign_body', body)


def http_target_seeds(c, docs, b58):
    paths = set()
    for key, s in strings(docs.get('http.json', {})):
        if key == 'path' and s.startswith('/'):
            paths.add(s)
    sigs = [s for s in b58 if s.startswith(('edsig', 'spsig1', 'p2sig', 'sig'))][:3]
    for p in sorted(paths):
        c.add('http_target', p)
        c.add('http_target', p + '?version=1')
        for s in sigs:
            c.add('http_target', p + '?authentication=' + s + '&version=2')
    for t in ('*', 'http://localhost:6732/keys/tz1?x=%41+b', '/a%20b?x=1&&y=2;z=3&%zz=1&=v&k=',
              '/%', '/keys/tz1\x00/authorized_keys?x=1'):
        c.add('http_target', t)


def config_seeds(c):
    data = os.path.join(SOURCE, 'tests', 'unit', 'config', 'data')
    for root in (data, os.path.join(SOURCE, 'docs')):
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            if name.endswith(('.yaml', '.yml')):
                with open(os.path.join(root, name), 'rb') as f:
                    c.add('config', f.read())
    for text in ('', 'server:\n  address: :6732\n', 'a: &x [*x]\n', '- [' * 50, 'base_dir: ${HOME}/x\n'):
        c.add('config', text)


def openssl(*args, stdin=None):
    return subprocess.run(['openssl', *args], input=stdin, capture_output=True, check=True).stdout


def der_and_spki_seeds(c):
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for curve in ('secp256k1', 'prime256v1', 'secp384r1'):
                key = os.path.join(tmp, curve + '.pem')
                openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:' + curve,
                        '-pkeyopt', 'ec_param_enc:named_curve', '-out', key)
                c.add('spki', openssl('pkey', '-in', key, '-pubout', '-outform', 'DER'))
                c.add('spki', openssl('pkey', '-in', key, '-pubout', '-outform', 'DER',
                                      '-ec_conv_form', 'compressed'))
                for i in range(4):
                    digest = hashlib.sha256(b'seed %d' % i).digest()
                    c.add('ecdsa_der', openssl('pkeyutl', '-sign', '-inkey', key, stdin=digest))
            for alg in ('ED25519', 'RSA'):
                opts = ['-pkeyopt', 'rsa_keygen_bits:1024'] if alg == 'RSA' else []
                key = os.path.join(tmp, alg + '.pem')
                openssl('genpkey', '-algorithm', alg, *opts, '-out', key)
                c.add('spki', openssl('pkey', '-in', key, '-pubout', '-outform', 'DER'))
    except (OSError, subprocess.CalledProcessError) as e:
        print('make-seeds: openssl unavailable, DER/SPKI seeds are hand-made only (%s)' % e,
              file=sys.stderr)
    c.add('ecdsa_der', bytes.fromhex('3006020101020101'))
    c.add('ecdsa_der', bytes.fromhex('3008020200800202ff01'))
    c.add('spki', bytes.fromhex('3000'))


# --- watermark files (docs/watermark-format.md) ---------------------------------------------

def b58check(prefix, payload):
    alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
    data = prefix + payload
    data += hashlib.sha256(hashlib.sha256(data).digest()).digest()[:4]
    n = int.from_bytes(data, 'big')
    out = ''
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return '1' * (len(data) - len(data.lstrip(b'\0'))) + out


def log_record(kind, level, round_, digest=None, sig=None, form=1, pkh_type=0, chain=b'\x7a\x06\xa7\x70',
               seq=0):
    pkh = bytes([pkh_type]) + hashlib.blake2b(bytes([kind, pkh_type]), digest_size=20).digest()
    return wlog.record(kind, chain, pkh, level, round_, digest, sig, form, seq)


def watermark_seeds(c, docs):
    d = hashlib.blake2b(b'block', digest_size=32).digest()
    records = [log_record(3, 100, 0, d, bytes(64), 1), log_record(1, 100, 1),
               log_record(4, 7, 2, d, bytes(96), 4, 3), log_record(3, 101, 0, d, bytes(64), 5, 1)]
    log = wlog.header() + b''.join(records)
    numbered = [log_record(*args, seq=i + 1) for i, args in enumerate(
        [(3, 100, 0, d, bytes(64), 1), (1, 100, 1), (4, 7, 2, d, bytes(96), 4, 3),
         (3, 101, 0, d, bytes(64), 5, 1)])]
    body = b''.join(numbered) + wlog.commit(len(numbered)) + bytes(176 * 2)
    log2 = wlog.header(32 + len(body)) + body
    for mode in (0, 1):
        c.add('watermark', bytes([mode]) + log)
        c.add('watermark', bytes([mode]) + log + bytes(176 * 2))
        c.add('watermark', bytes([mode]) + log + records[0][:100])
        c.add('watermark', bytes([mode]) + wlog.header())
        c.add('watermark', bytes([mode]) + log2)
        c.add('watermark', bytes([mode]) + log2[:32 + 176 * 3] + numbered[3][:90] + log2[32 + 176 * 3 + 90:])
        c.add('watermark', bytes([mode]) + wlog.header(32 + 176) + wlog.commit(0))
    for r in records + numbered + [wlog.commit(4)]:
        c.add('watermark', b'\x02' + r[:172])
    pkhs = []
    for key, s in strings(docs.get('keys.json', {})):
        if key == 'public_key_hash' and s[:3] in ('tz1', 'tz2', 'tz3', 'tz4') and s not in pkhs:
            pkhs.append(s)
    vh = None
    for p in docs.get('base58.json', {}).get('prefixes', []):
        if p.get('name') == 'vh':
            vh = b58check(bytes.fromhex(p['prefix_bytes_hex']), d)
    for pkh in pkhs[:3] or ['tz1cf12zAidvSnYHmpQj78TiaNF44ucgBjJH']:
        doc = {pkh: {'block': {'level': 12, 'round': 1, 'hash': vh},
                     'attestation': {'level': 12, 'round': None},
                     'endorsement': {'level': 3}}}
        c.add('watermark', b'\x03' + json.dumps(doc).encode())
    c.add('watermark', b'\x03{}')


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: make-seeds.py OUT [TESTDATA]')
    out = sys.argv[1]
    testdata = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SOURCE, 'tests', 'vectors')
    docs = {n: load(testdata, n) for n in ('operations.json', 'operations-extra.json', 'consensus.json',
                                           'signatures.json', 'base58.json', 'keys.json', 'http.json')}
    if not any(docs.values()):
        print('make-seeds: no test vectors under %s; seeds are hand-made only' % testdata, file=sys.stderr)
    c = Corpus(out)
    hexes = sign_request_seeds(c, docs)
    b58 = base58_seeds(c, docs)
    sign_body_seeds(c, hexes)
    http_target_seeds(c, docs, b58)
    config_seeds(c)
    der_and_spki_seeds(c)
    watermark_seeds(c, docs)
    print('make-seeds: ' + ', '.join('%s %d' % kv for kv in sorted(c.counts.items())))


if __name__ == '__main__':
    main()
