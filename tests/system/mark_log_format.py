"""The byte layout of the `file` watermark log (docs/watermark-format.md), written from the
documentation and independently of the signer's code: CRC-32C, the headers of formats 1 and 2,
mark records and the commit. Used by test_watermark_damage.py and fuzz/make-seeds.py.
Pure functions; safe from any thread.
"""

import struct

SLOT = 176        # every record and the commit
HEADER_V1 = 16
HEADER = 32       # format 2


def crc32c(data):
    """CRC-32C (Castagnoli, reflected 0x82F63B78, initial value and final xor 0xFFFFFFFF)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def header(file_size=None):
    """Format 1's 16-byte header without a size, format 2's 32-byte header with one."""
    h = b"SIGWMLOG" + struct.pack("<I", 1 if file_size is None else 2)
    h += struct.pack("<I", crc32c(h))
    if file_size is not None:
        h += struct.pack("<QI", file_size, 0)
        h += struct.pack("<I", crc32c(h))
    return h


def record(kind, chain, tagged_pkh, level, round_, digest=None, sig=None, form=0, seq=0):
    """A mark record: kind code (1 attestation … 6 pack), 4-byte chain, 21-byte tagged pkh,
    optional 32-byte digest and signature (with its form code); seq 0 in format 1."""
    r = bytearray(SLOT)
    r[0], r[1] = 1, kind
    r[2] = (1 if digest else 0) | (2 if sig else 0)
    r[3] = form if sig else 0
    r[4:8], r[8:29] = chain, tagged_pkh
    if sig:
        r[29] = len(sig)
        r[72:72 + len(sig)] = sig
    struct.pack_into("<ii", r, 32, level, round_)
    if digest:
        r[40:72] = digest
    struct.pack_into("<I", r, 168, seq)
    struct.pack_into("<I", r, 172, crc32c(bytes(r[:172])))
    return bytes(r)


def commit(records):
    """The commit that follows `records` records (format 2)."""
    r = bytearray(SLOT)
    r[0] = 2
    struct.pack_into("<I", r, 168, records)
    struct.pack_into("<I", r, 172, crc32c(bytes(r[:172])))
    return bytes(r)
