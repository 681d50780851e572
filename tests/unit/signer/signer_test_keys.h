// Keys and sign requests of the test vectors (tests/vectors/tezos) for the signer's unit
// tests: their hashes and public keys, an attestation and a transaction.
// Read-only; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/bytes.h"
#include "test_support.h"
#include "tezos/keys.h"

namespace signatory::signer::test_keys {

inline std::string pkh_text(const std::string& id) {
  return testing::tezos_key(id).at("public_key_hash");
}
inline tezos::PublicKeyHash pkh(const std::string& id) {
  return tezos::PublicKeyHash::parse(pkh_text(id));
}
inline tezos::PublicKey public_key(const std::string& id) {
  return tezos::PublicKey::parse(testing::tezos_key(id).at("public_key").get<std::string>());
}
inline tezos::SecretKey secret_key(const std::string& id) {
  return tezos::SecretKey::parse(testing::tezos_key(id).at("secret_key").get<std::string>());
}

// attestation level 34 round 4 on the sandbox chain (consensus.json).
inline Bytes attestation() {
  for (const auto& op : testing::tezos_vectors("consensus.json").at("consensus_operations"))
    if (op.at("id") == "attestation_signatory_C3")
      return from_hex(op.at("sign_request_hex").get<std::string>());
  throw std::runtime_error("no attestation vector");
}
// A generic operation: a transaction (operations.json).
inline Bytes transaction() {
  for (const auto& op : testing::tezos_vectors("operations.json").at("operations"))
    if (op.at("id") == "transaction_tz1_to_tz1")
      return from_hex(op.at("signing_bytes_hex").get<std::string>());
  throw std::runtime_error("no transaction vector");
}

}  // namespace signatory::signer::test_keys
