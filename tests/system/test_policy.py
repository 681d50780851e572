"""System tests of the per-key policy (`tezos:` section) as seen over HTTP.

Each key of one server carries a different policy; denials must be 403 with Signatory's
exact messages (backtick-apostrophe quoting included), and the order of checks must be
Signatory's: listed-in-config → decode → vault → chain → request kind → operations.
"""

import unittest

import payloads
from harness import vectors
from server_case import ServerCase

UNKNOWN_PKH = "tz1XaWzTdY8fZ9BDBuUnHcF1J15a4qiyErQ4"

POLICIES = {
    # key id: policy (None = null entry = default policy)
    "ed25519_0": {"allow": {"generic": ["transaction"], "block": None,
                            "preattestation": None, "attestation": None}},
    "ed25519_1": {"allow": {"generic": ["transaction", "reveal"]}},
    "ed25519_2": {"allow": {"generic": ["transaction"], "block": None, "attestation": None},
                  "allowed_chains": ["NetXdQprcVkpaWU"]},
    "ed25519_3": {"allow": {"pack": None, "generic": []}},
    "secp256k1_0": {"allow": {"generic": ["ballot:yay", "stake"]}},
    "secp256k1_2": None,
    "p256_0": {},
    "p256_1": {"allowed_operations": ["generic"], "allowed_kinds": ["transaction"]},
}
CONFIG_ONLY = {"p256_2": {"allow": {"generic": ["transaction"]}}}


class PolicyTest(ServerCase):

    @classmethod
    def setUpClass(cls):
        v = vectors()
        policies = {v.key(k)["public_key_hash"]: p for k, p in POLICIES.items()}
        policies.update({v.key(k)["public_key_hash"]: p for k, p in CONFIG_ONLY.items()})
        cls.start_class_server([v.key(k) for k in POLICIES], policies)

    def sign(self, key_id, message_hex):
        return self.server.sign(vectors().key(key_id)["public_key_hash"], message_hex)

    def denied(self, key_id, message_hex, msg):
        self.assertTezosError(self.sign(key_id, message_hex), 403, msg)

    def test_operation_kind_not_allowed(self):
        v = vectors()
        self.sign_ok(v.key("ed25519_0"), v.op_hex("transaction_tz1_to_tz1"))
        self.denied("ed25519_0", v.op_hex("delegation_set"), "operation `delegation' is not allowed")
        self.denied("ed25519_0", v.op_hex("origination_no_delegate"),
                    "operation `origination' is not allowed")

    def test_batch_is_refused_at_first_forbidden_operation(self):
        v = vectors()
        # reveal, transaction: the reveal is refused.
        self.denied("ed25519_0", v.op_hex("batch_reveal_transaction"),
                    "operation `reveal' is not allowed")
        # reveal, delegation, transaction ×3 with reveal allowed: the delegation is refused.
        self.denied("ed25519_1", v.op_hex("batch_reveal_delegation_transactions"),
                    "operation `delegation' is not allowed")
        self.sign_ok(v.key("ed25519_1"), v.op_hex("batch_reveal_transaction"))

    def test_request_kind_not_allowed(self):
        self.denied("ed25519_1", payloads.block(100), "request kind `block' is not allowed")
        self.denied("ed25519_1", payloads.preattestation(100),
                    "request kind `preattestation' is not allowed")
        self.denied("ed25519_1", payloads.attestation(100),
                    "request kind `attestation' is not allowed")
        dal = vectors().consensus["attestation_with_dal_small"]["sign_request_hex"]
        self.denied("ed25519_0", dal, "request kind `attestation_with_dal' is not allowed")

    def test_chain_not_allowed(self):
        v = vectors()
        self.denied("ed25519_2", payloads.block(200, chain="sandbox"),
                    "chain `NetXo5iVw1vBoxM' is not allowed")
        self.denied("ed25519_2", payloads.attestation(200, chain="ghostnet"),
                    "chain `NetXnHfVqm9iesp' is not allowed")
        self.sign_ok(v.key("ed25519_2"), payloads.block(200, chain="mainnet"))
        self.sign_ok(v.key("ed25519_2"), payloads.attestation(200, chain="mainnet"))
        # Generic operations carry no chain id and are not chain-checked.
        self.sign_ok(v.key("ed25519_2"), v.op_hex("transaction_tz1_to_tz1"))

    def test_chain_is_checked_before_request_kind(self):
        # preattestation is not allowed for this key, but the chain check comes first.
        self.denied("ed25519_2", payloads.preattestation(300, chain="sandbox"),
                    "chain `NetXo5iVw1vBoxM' is not allowed")
        self.denied("ed25519_2", payloads.preattestation(300, chain="mainnet"),
                    "request kind `preattestation' is not allowed")

    def test_null_policy_allows_consensus_only(self):
        v = vectors()
        key = v.key("secp256k1_2")
        self.sign_ok(key, payloads.block(400))
        self.sign_ok(key, payloads.preattestation(400))
        self.sign_ok(key, payloads.attestation(400))
        self.denied("secp256k1_2", v.op_hex("transaction_tz1_to_tz1"),
                    "request kind `generic' is not allowed")

    def test_empty_policy_allows_nothing(self):
        v = vectors()
        self.denied("p256_0", v.op_hex("transaction_tz1_to_tz1"),
                    "request kind `generic' is not allowed")
        self.denied("p256_0", payloads.block(500), "request kind `block' is not allowed")

    def test_deprecated_policy_syntax(self):
        v = vectors()
        self.sign_ok(v.key("p256_1"), v.op_hex("transaction_tz1_to_tz1"))
        self.denied("p256_1", v.op_hex("delegation_set"), "operation `delegation' is not allowed")
        self.denied("p256_1", payloads.block(600), "request kind `block' is not allowed")

    def test_ballot_votes_and_staking_pseudo_operations(self):
        v = vectors()
        key = v.key("secp256k1_0")
        self.sign_ok(key, v.op_hex("ballot_yay"))
        self.denied("secp256k1_0", v.op_hex("ballot_nay"), "operation `ballot:nay' is not allowed")
        self.denied("secp256k1_0", v.op_hex("ballot_pass"), "operation `ballot:pass' is not allowed")
        # A transaction to the `stake` entrypoint is the pseudo-operation `stake`.
        self.sign_ok(key, v.op_hex("transaction_stake"))
        self.denied("secp256k1_0", v.op_hex("transaction_tz1_to_tz1"),
                    "operation `transaction' is not allowed")
        self.denied("ed25519_0", v.op_hex("transaction_stake"), "operation `stake' is not allowed")
        self.denied("ed25519_0", v.op_hex("transaction_unstake"),
                    "operation `unstake' is not allowed")

    def test_pack_requests(self):
        v = vectors()
        for kind in ("michelson_pack_string", "michelson_pack_pair"):
            vec = v.signatures[("ed25519_3", kind)]
            with self.subTest(kind=kind):
                self.assertEqual(self.sign_ok(v.key("ed25519_3"), vec["message_hex"]),
                                 vec["signature"])
                self.denied("ed25519_0", vec["message_hex"], "request kind `pack' is not allowed")
        # `generic: []` allows no operation at all.
        self.denied("ed25519_3", v.op_hex("transaction_tz1_to_tz1"),
                    "operation `transaction' is not allowed")

    def test_order_of_checks(self):
        v = vectors()
        # Not listed is decided before the payload is decoded.
        self.assertTezosError(self.server.sign(UNKNOWN_PKH, "ff"), 403,
                              f"{UNKNOWN_PKH} is not listed in config")
        # A listed key: undecodable bytes are 400 before any policy decision.
        self.assertTezosError(self.sign("p256_0", "ff"), 400)
        self.assertTezosError(self.sign("ed25519_0", "03"), 400)
        # Listed but in no vault: 404 before the operation filter.
        self.assertTezosError(self.sign("p256_2", v.op_hex("delegation_set")), 404,
                              "this key not found in any vault")
        self.assertAlive()


if __name__ == "__main__":
    unittest.main()
