// Config reload (cli/config_reload.h) on real files, as SIGHUP runs it in the server: a changed
// policy is in force after reload() while a request holding the old snapshot keeps it; a
// config that does not load is refused and the running snapshot stays, counted as a failure;
// a key added to the file vault is listed and signs; an unchanged KMS vault is kept as it is
// (no new client) and a changed one opened again; listen addresses and the watermark store are
// not reloaded. Keys and payloads come from the test vectors.
#include "cli/config_reload.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "config/config.h"
#include "test_support.h"
#include "watermark/registry.h"

namespace signatory::testing {
namespace {

tezos::PublicKeyHash pkh(const std::string& id) {
  return tezos::PublicKeyHash::parse(tezos_key(id).at("public_key_hash").get<std::string>());
}
Bytes transaction() {
  for (const auto& op : tezos_vectors("operations.json").at("operations"))
    if (op.at("id") == "transaction_tz1_to_tz1")
      return from_hex(op.at("signing_bytes_hex").get<std::string>());
  throw std::runtime_error("no transaction vector");
}

const std::string kKms =
    "  kms:\n    driver: awskms\n    config:\n      region: us-east-1\n"
    "      endpoint: http://127.0.0.1:9\n      max_attempts: 1\n"
    "      access_key_id: AKIDEXAMPLE\n      secret_access_key: not-a-secret\n";

// A running signer's state: the config file, its first snapshot, the reloader.
class Reload : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("secret_keys", secret_keys_file({"ed25519_0"}));
    write_config("127.0.0.1:6732", {{"ed25519_0", "generic: [transaction]"}});
    flags.config_path = dir.file("signatory.yaml");
    config::Config cfg = config::load_config(flags.config_path);
    store = watermark::open_watermark("mem", dir.path());
    auto vaults = cli::open_vaults(cfg);
    holder = std::make_unique<signer::SnapshotHolder>(
        signer::make_snapshot(std::move(cfg), std::move(vaults), store, &metrics));
    reloader = std::make_unique<cli::ConfigReloader>(flags, *holder, store, &metrics);
  }

  // `policies`: key id → the line under `allow:`.
  void write_config(const std::string& address,
                    const std::vector<std::pair<std::string, std::string>>& policies,
                    const std::string& more_vaults = "") {
    std::string text = "base_dir: " + dir.path() + "\nserver:\n  address: " + address +
                       "\nvaults:\n  local:\n    driver: file\n    config:\n      file: " +
                       dir.file("secret_keys") + "\n" + more_vaults +
                       "watermark:\n  driver: mem\ntezos:\n";
    for (const auto& [id, allow] : policies)
      text += "  " + tezos_key(id).at("public_key_hash").get<std::string>() +
              ":\n    allow:\n      " + allow + "\n";
    dir.write("signatory.yaml", text);
  }

  std::string reloads(const std::string& result) {
    const std::string text = metrics.render();
    const std::string series = "signatory_config_reloads_total{result=\"" + result + "\"} ";
    const auto at = text.find(series);
    if (at == std::string::npos) return "absent";
    return text.substr(at + series.size(), text.find('\n', at) - at - series.size());
  }

  Error sign_error(const signer::SignerSnapshot& snapshot, const std::string& id) {
    try {
      snapshot.signer->sign(pkh(id), transaction(), 2, {});
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "signed";
    return internal_error("signed");
  }

  TempDir dir;
  cli::GlobalFlags flags;
  server::Metrics metrics;
  std::shared_ptr<watermark::Watermark> store;
  std::unique_ptr<signer::SnapshotHolder> holder;
  std::unique_ptr<cli::ConfigReloader> reloader;
};

TEST_F(Reload, BothCountersStartAtZero) {
  EXPECT_EQ(reloads("success"), "0");
  EXPECT_EQ(reloads("failure"), "0");
}

TEST_F(Reload, ANewPolicyIsInForceAfterReloadAndARequestInFlightKeepsTheOld) {
  const auto in_flight = holder->current();
  write_config("127.0.0.1:6732", {{"ed25519_0", "block:"}});
  ASSERT_TRUE(reloader->reload());
  const auto now = holder->current();
  EXPECT_EQ(now->generation, 2u);
  EXPECT_EQ(sign_error(*now, "ed25519_0").code(), ErrorCode::Forbidden);
  EXPECT_NO_THROW(in_flight->signer->sign(pkh("ed25519_0"), transaction(), 2, {}));
  EXPECT_EQ(reloads("success"), "1");
  EXPECT_EQ(reloads("failure"), "0");
}

TEST_F(Reload, AConfigThatDoesNotLoadIsRefusedAndTheOldOneStays) {
  const auto before = holder->current();
  dir.write("signatory.yaml", "base_dir: " + dir.path() + "\ntezos:\n  tz1notakeyhash:\n");
  EXPECT_FALSE(reloader->reload());
  EXPECT_EQ(holder->current(), before);
  EXPECT_NO_THROW(holder->current()->signer->sign(pkh("ed25519_0"), transaction(), 2, {}));
  EXPECT_EQ(reloads("failure"), "1");
  EXPECT_EQ(reloads("success"), "0");
  // A vault whose key file is damaged refuses the reload too.
  write_config("127.0.0.1:6732", {{"ed25519_0", "generic: [transaction]"}});
  dir.write("secret_keys", "[{\"name\": ");
  EXPECT_FALSE(reloader->reload());
  EXPECT_EQ(holder->current(), before);
  EXPECT_EQ(reloads("failure"), "2");
}

TEST_F(Reload, AKeyAddedToTheFileVaultIsListedAndSigns) {
  EXPECT_EQ(sign_error(*holder->current(), "secp256k1_0").code(), ErrorCode::Forbidden);
  dir.write("secret_keys", secret_keys_file({"ed25519_0", "secp256k1_0"}));
  write_config("127.0.0.1:6732", {{"ed25519_0", "generic: [transaction]"},
                                  {"secp256k1_0", "generic: [transaction]"}});
  ASSERT_TRUE(reloader->reload());
  std::vector<std::string> listed;
  for (const auto& k : holder->current()->signer->keys())
    listed.push_back(k.key->public_key().hash().to_base58());
  EXPECT_EQ(listed, (std::vector<std::string>{pkh("ed25519_0").to_base58(),
                                              pkh("secp256k1_0").to_base58()}));
  const auto key =
      tezos::PublicKey::parse(tezos_key("secp256k1_0").at("public_key").get<std::string>());
  EXPECT_TRUE(key.verify(
      transaction(), holder->current()->signer->sign(pkh("secp256k1_0"), transaction(), 2, {})));
}

TEST_F(Reload, AnUnchangedKmsVaultIsKeptAndAChangedOneOpenedAgain) {
  write_config("127.0.0.1:6732", {{"ed25519_0", "generic: [transaction]"}}, kKms);
  ASSERT_TRUE(reloader->reload());
  const auto first = holder->current();
  ASSERT_EQ(first->vaults.size(), 2u);
  // Reordered policies, the same vault settings: the very same vault object (no new client).
  write_config("127.0.0.1:6732", {{"ed25519_0", "block:"}}, kKms);
  ASSERT_TRUE(reloader->reload());
  const auto second = holder->current();
  EXPECT_EQ(second->vaults[1].vault, first->vaults[1].vault);
  EXPECT_NE(second->vaults[0].vault, first->vaults[0].vault);  // the file vault is read again
  // A changed setting: opened again.
  std::string changed = kKms;
  changed.replace(changed.find("max_attempts: 1"), 15, "max_attempts: 2");
  write_config("127.0.0.1:6732", {{"ed25519_0", "block:"}}, changed);
  ASSERT_TRUE(reloader->reload());
  EXPECT_NE(holder->current()->vaults[1].vault, second->vaults[1].vault);
  // A changed setting the driver refuses: the reload is refused.
  std::string bad = kKms;
  bad.replace(bad.find("max_attempts: 1"), 15, "timeout: soon");
  write_config("127.0.0.1:6732", {{"ed25519_0", "block:"}}, bad);
  const auto before = holder->current();
  EXPECT_FALSE(reloader->reload());
  EXPECT_EQ(holder->current(), before);
}

TEST_F(Reload, ListenAddressesAndTheStoreAreNotReloaded) {
  write_config("127.0.0.1:7000", {{"ed25519_0", "block:"}});
  const config::Config next = config::load_config(flags.config_path);
  EXPECT_EQ(cli::settings_not_reloaded(*holder->current()->config, next),
            std::vector<std::string>{"server.address"});
  ASSERT_TRUE(reloader->reload());
  // The running value stays, in the new snapshot's config too; the policy did change.
  EXPECT_EQ(holder->current()->config->server.address, "127.0.0.1:6732");
  EXPECT_EQ(sign_error(*holder->current(), "ed25519_0").code(), ErrorCode::Forbidden);
  EXPECT_EQ(&holder->current()->signer->watermark(), store.get());
}

}  // namespace
}  // namespace signatory::testing
