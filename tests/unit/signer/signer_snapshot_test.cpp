// The snapshot swap behind config reload (signer/signer_snapshot.h): a request that took the
// snapshot before a swap finishes on it (its policy, its vaults) while new requests see the
// new one; every generation guards with the one shared watermark store; an old snapshot is
// freed once nobody holds it; JWT credentials the server refuses make no snapshot; and readers
// racing a writer always see a whole snapshot. Keys and payloads come from the test vectors;
// signatures are checked with the keys' public keys.
#include "signer/signer_snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/error.h"
#include "config/config.h"
#include "test_support.h"
#include "watermark/registry.h"

namespace signatory::signer {
namespace {

std::string pkh_text(const std::string& id) {
  return testing::tezos_key(id).at("public_key_hash");
}
tezos::PublicKeyHash pkh(const std::string& id) {
  return tezos::PublicKeyHash::parse(pkh_text(id));
}
Bytes vector_bytes(const char* file, const char* list, const char* id, const char* field) {
  for (const auto& op : testing::tezos_vectors(file).at(list))
    if (op.at("id") == id) return from_hex(op.at(field).get<std::string>());
  throw std::runtime_error(std::string("no vector ") + id);
}
Bytes transaction() {
  return vector_bytes("operations.json", "operations", "transaction_tz1_to_tz1",
                      "signing_bytes_hex");
}
Bytes attestation() {  // level 34 round 4 on the sandbox chain
  return vector_bytes("consensus.json", "consensus_operations", "attestation_signatory_C3",
                      "sign_request_hex");
}

// A vault holding some keys of the test vectors.
class VectorVault : public vault::Vault {
 public:
  explicit VectorVault(std::vector<std::string> ids) {
    for (const auto& id : ids) keys_.push_back(std::make_shared<Key>(id));
  }
  std::string type_label() const override { return "Vectors"; }
  std::vector<std::shared_ptr<vault::Key>> list() override { return keys_; }

 private:
  class Key : public vault::Key {
   public:
    explicit Key(const std::string& id)
        : secret_(
              tezos::SecretKey::parse(testing::tezos_key(id).at("secret_key").get<std::string>())) {
    }
    const tezos::PublicKey& public_key() const override { return secret_.public_key(); }
    std::string id() const override { return "vector"; }
    tezos::Signature sign(ByteView message, int version) override {
      return secret_.sign(message, version);
    }

   private:
    tezos::SecretKey secret_;
  };
  std::vector<std::shared_ptr<vault::Key>> keys_;
};

// A snapshot whose config gives ed25519_0 the policy `allow` (YAML lines under the key) and
// whose one vault holds `keys`.
std::shared_ptr<const SignerSnapshot> snapshot(const std::string& allow,
                                               std::vector<std::string> keys,
                                               std::shared_ptr<watermark::Watermark> store,
                                               std::uint64_t generation,
                                               const std::string& server = "") {
  std::string yaml = "base_dir: /nonexistent\n";
  if (!server.empty()) yaml += "server:\n" + server;
  yaml += "tezos:\n  " + pkh_text("ed25519_0") + ":\n" + allow;
  std::vector<NamedVault> vaults;
  vaults.push_back({"vectors", std::make_shared<VectorVault>(std::move(keys))});
  return make_snapshot(config::parse_config(yaml, "signatory.yaml"), std::move(vaults),
                       std::move(store), nullptr, generation);
}

const std::string kTransactions = "    allow:\n      generic: [transaction]\n      attestation:\n";
const std::string kBlocksOnly = "    allow:\n      block:\n      attestation:\n";

std::shared_ptr<watermark::Watermark> mem_store() {
  return watermark::open_watermark("mem", "/nonexistent");
}

void expect_verifies(const tezos::Signature& signature, const Bytes& message) {
  const auto key =
      tezos::PublicKey::parse(testing::tezos_key("ed25519_0").at("public_key").get<std::string>());
  EXPECT_TRUE(key.verify(message, signature));
}

TEST(SnapshotHolder, ARequestFinishesOnTheSnapshotItTookWhileNewOnesSeeTheNext) {
  auto store = mem_store();
  SnapshotHolder holder(snapshot(kTransactions, {"ed25519_0"}, store, 1));
  const auto in_flight = holder.current();  // a request started before the reload

  auto old = holder.replace(snapshot(kBlocksOnly, {"ed25519_0"}, store, 2));
  EXPECT_EQ(old, in_flight);
  EXPECT_EQ(holder.current()->generation, 2u);

  // The request in flight still follows the policy it started with…
  const Bytes tx = transaction();
  expect_verifies(in_flight->signer->sign(pkh("ed25519_0"), tx, 2, {}), tx);
  // …and the next one the new policy.
  try {
    holder.current()->signer->sign(pkh("ed25519_0"), tx, 2, {});
    ADD_FAILURE() << "the new policy allows no transaction";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Forbidden) << e.what();
    EXPECT_EQ(std::string(e.what()), "request kind `generic' is not allowed");
  }
}

TEST(SnapshotHolder, TheOldSnapshotIsFreedWhenItsLastRequestEnds) {
  auto store = mem_store();
  SnapshotHolder holder(snapshot(kTransactions, {"ed25519_0"}, store, 1));
  std::weak_ptr<const SignerSnapshot> first = holder.current();
  auto in_flight = holder.current();
  holder.replace(snapshot(kTransactions, {"ed25519_0"}, store, 2));
  EXPECT_FALSE(first.expired());  // a request still uses it
  in_flight.reset();
  EXPECT_TRUE(first.expired());
}

TEST(SnapshotHolder, EveryGenerationGuardsWithTheSameWatermarkStore) {
  auto store = mem_store();
  SnapshotHolder holder(snapshot(kTransactions, {"ed25519_0"}, store, 1));
  const Bytes att = attestation();
  const tezos::Signature first = holder.current()->signer->sign(pkh("ed25519_0"), att, 2, {});
  holder.replace(snapshot(kTransactions, {"ed25519_0"}, store, 2));
  const auto next = holder.current();
  EXPECT_EQ(&next->signer->watermark(), store.get());
  // The mark made before the reload is there after it: the same request gets the same
  // signature (same digest), and the store holds exactly that one mark.
  EXPECT_EQ(next->signer->sign(pkh("ed25519_0"), att, 2, {}).to_base58(), first.to_base58());
  EXPECT_EQ(store->marks().size(), 1u);
}

TEST(SnapshotHolder, KeysOfTheNewVaultSetAreFoundAfterTheSwap) {
  auto store = mem_store();
  SnapshotHolder holder(snapshot(kTransactions, {"ed25519_0"}, store, 1));
  EXPECT_THROW(holder.current()->signer->public_key(pkh("secp256k1_0")), Error);
  holder.replace(snapshot(kTransactions, {"ed25519_0", "secp256k1_0"}, store, 2));
  EXPECT_EQ(holder.current()->signer->public_key(pkh("secp256k1_0")).to_base58(),
            testing::tezos_key("secp256k1_0").at("public_key").get<std::string>());
  EXPECT_EQ(holder.current()->vaults.size(), 1u);
}

TEST(SnapshotHolder, WeakJwtCredentialsMakeNoSnapshot) {
  const std::string weak_user =
      "  jwt:\n    users:\n      alice:\n        password: short\n"
      "        secret: also-short\n";
  try {
    snapshot(kTransactions, {"ed25519_0"}, mem_store(), 2, weak_user);
    ADD_FAILURE() << "weak JWT credentials accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("JWT: config validation failed for user alice"),
              std::string::npos)
        << e.what();
  }
}

TEST(SnapshotHolder, ReadersRacingReplacementsAlwaysSeeAWholeSnapshot) {
  auto store = mem_store();
  SnapshotHolder holder(snapshot(kTransactions, {"ed25519_0"}, store, 1));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      std::uint64_t last = 0;
      while (!done) {
        const auto s = holder.current();
        // Generations only grow, and each snapshot's Signer reads its own config.
        if (s->generation < last || &s->signer->config() != s->config.get()) ++bad;
        last = s->generation;
      }
    });
  for (std::uint64_t g = 2; g <= 200; ++g)
    holder.replace(snapshot(g % 2 ? kTransactions : kBlocksOnly, {"ed25519_0"}, store, g));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(holder.current()->generation, 200u);
}

}  // namespace
}  // namespace signatory::signer
