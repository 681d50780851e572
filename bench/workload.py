"""What the benchmark sends: the generic operations (bench/crypto_limit.cpp signs the same ones),
the local keys per key type, and the number of attestation keys (one per connection)."""

# Generic operations sent to every key (rotated); bench/crypto_limit.cpp signs the same ones.
GENERIC_OPS = ["transaction_tz1_to_tz1", "transaction_to_tz2", "transaction_to_tz3",
               "delegation_set", "reveal_ed25519", "origination_no_delegate"]
LOCAL_KEYS = {"tz1": "ed25519_0", "tz2": "secp256k1_0", "tz3": "p256_0", "tz4": "bls12_381_0"}
CURVE_OF = {"tz1": "ed25519", "tz2": "secp256k1", "tz3": "p256", "tz4": "bls12_381"}
ATTESTATION_KEYS = 16
