// LocalKey, the key of the file and mem vaults: signing and the BLS proof of possession through
// the vault interface, as GET /bls_prove_possession uses it, against every tz4 record of the
// test vectors; keys of other types have no proof.
#include "vault/local/local_key.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace signatory::vault {
namespace {

using nlohmann::json;

std::string s(const json& rec, const char* field) {
  return rec.at(field).get<std::string>();
}

TEST(LocalKey, Tz4KeysProvePossessionThroughTheVaultInterface) {
  std::size_t n = 0;
  std::vector<json> records;
  for (const char* group : {"keys", "edge_case_keys", "octez_reference_keys", "hd_keys"})
    for (const auto& rec : testing::tezos_vectors("keys.json").at(group))
      if (s(rec, "curve") == "bls12_381") records.push_back(rec);
  for (const auto& rec : records) {
    SCOPED_TRACE(s(rec, "id"));
    LocalKey key(tezos::SecretKey::parse(s(rec, "secret_key")), "k");
    const auto proof = key.prove_possession();
    ASSERT_TRUE(proof.has_value());
    EXPECT_EQ(proof->to_base58(), s(rec, "proof_of_possession"));
    ++n;
  }
  EXPECT_EQ(n, 7u);
}

TEST(LocalKey, OtherKeyTypesHaveNoProofAndSignWithTheirKey) {
  const auto& rec = testing::tezos_vectors("keys.json").at("keys").at(0);
  ASSERT_EQ(s(rec, "curve"), "ed25519");
  LocalKey key(tezos::SecretKey::parse(s(rec, "secret_key")), "ed");
  EXPECT_EQ(key.id(), "ed");
  EXPECT_EQ(key.public_key().hash().to_base58(), s(rec, "public_key_hash"));
  EXPECT_FALSE(key.prove_possession().has_value());
  const Bytes message = from_hex("03aabbcc");
  EXPECT_TRUE(tezos::PublicKey::parse(s(rec, "public_key")).verify(message, key.sign(message, 2)));
}

}  // namespace
}  // namespace signatory::vault
