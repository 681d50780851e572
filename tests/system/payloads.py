"""Consensus sign requests at chosen (level, round) for watermark tests.

Each request is derived from a vector of the shared consensus.json by rewriting only the
fields the Octez layout documents there (level/round offsets from the vector's own
`watermark` record, chain id at bytes 1..4, the block fitness elements). `variant` changes
one byte of the block payload hash so that two requests at the same (level, round) differ.
Every template is checked against its decoded fields before use, so a wrong offset fails
loudly instead of silently producing a request at the wrong level.
Pure functions; safe from any thread.
"""

import struct

from harness import vectors

ATTESTATION = "attestation_mainnet_r0"       # tag 21
PREATTESTATION = "preattestation_mainnet_r0"  # tag 20
BLOCK = "block_mainnet_12180922_shape"


def _read_i32(buf, off):
    return struct.unpack(">i", bytes(buf[off:off + 4]))[0]


def _write_i32(buf, off, value):
    buf[off:off + 4] = struct.pack(">i", value)


def _chain_bytes(chain):
    """chain: None (keep), a name in consensus.json `chains`, or 4-byte hex."""
    chains = vectors().chains
    return bytes.fromhex(chains[chain]["hex"] if chain in chains else chain)


def _consensus(template_id, level, round_, variant, chain):
    vec = vectors().consensus[template_id]
    buf = bytearray.fromhex(vec["sign_request_hex"])
    wm = vec["watermark"]
    lo, ro = wm["level_offset"], wm["round_offset"]
    assert _read_i32(buf, lo) == vec["decoded"]["level"], f"{template_id}: level offset"
    assert _read_i32(buf, ro) == vec["decoded"]["round"], f"{template_id}: round offset"
    _write_i32(buf, lo, level)
    _write_i32(buf, ro, round_)
    if variant:
        # Last byte of block_payload_hash (the last field of a tag 20/21 body).
        buf[-1] ^= variant & 0xFF
    if chain is not None:
        buf[1:5] = _chain_bytes(chain)
    return buf.hex()


def attestation(level, round_=0, variant=0, chain=None):
    return _consensus(ATTESTATION, level, round_, variant, chain)


def preattestation(level, round_=0, variant=0, chain=None):
    return _consensus(PREATTESTATION, level, round_, variant, chain)


def block(level, round_=0, variant=0, chain=None):
    """A Tenderbake block request; `round_` is written to the last fitness element
    (the watermark round), `variant` alters the payload hash."""
    vec = vectors().blocks[BLOCK]
    buf = bytearray.fromhex(vec["sign_request_hex"])
    dec = vec["decoded"]
    offs = dec["offsets"]
    assert _read_i32(buf, offs["level"]) == dec["level"], "block level offset"
    assert _read_i32(buf, offs["round"]) == dec["fitness"]["round"], "block round offset"
    # Fitness: u32 total length, then elements of (u32 length ‖ bytes); element 2 is the level.
    pos = offs["fitness_length_field"] + 4
    pos += 4 + struct.unpack(">I", bytes(buf[pos:pos + 4]))[0]  # skip version element
    assert struct.unpack(">I", bytes(buf[pos:pos + 4]))[0] == 4, "fitness level element"
    fitness_level = pos + 4
    assert _read_i32(buf, fitness_level) == dec["level"], "fitness level offset"
    _write_i32(buf, offs["level"], level)
    _write_i32(buf, fitness_level, level)
    _write_i32(buf, offs["round"], round_)
    if variant:
        # First byte of the protocol data = payload_hash; the tail of the request is
        # payload_round(4) ‖ pow nonce(8) ‖ seed nonce option(1) ‖ votes(1).
        payload_hash_off = len(buf) - (4 + 8 + 1 + 1) - 32
        assert dec["seed_nonce_hash"] is None
        buf[payload_hash_off] ^= variant & 0xFF
    if chain is not None:
        buf[1:5] = _chain_bytes(chain)
    return buf.hex()
