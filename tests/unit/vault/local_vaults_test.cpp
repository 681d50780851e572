// The `file` and `mem` vaults, opened the way the server opens them: a signatory.yaml parsed by
// the config loader, then the driver by its name. Keys, encrypted keys and passwords come from
// the test vectors; what a vault lists is checked against their public keys, and signatures
// with the public key. Covers loading, encrypted keys (password file, variable, none), keys
// that cannot be used, import/generate and what they write, and the config errors.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "config/config.h"
#include "test_support.h"
#include "vault/registry.h"

namespace signatory::vault {
namespace {

using nlohmann::json;

std::string secret(const std::string& id) {
  return testing::tezos_key(id).at("secret_key");
}
std::string pkh(const std::string& id) {
  return testing::tezos_key(id).at("public_key_hash");
}
const json& encrypted(const std::string& id) {
  for (const auto& k : testing::tezos_vectors("keys.json").at("encrypted_keys"))
    if (k.at("id") == id) return k;
  throw std::runtime_error("no encrypted key " + id);
}

// Opens vault `v` of a config whose `vaults:` section is `vaults_yaml`.
std::unique_ptr<Vault> open(const std::string& vaults_yaml, VaultContext ctx = {}) {
  register_builtin_drivers();
  static config::Config cfg;  // the VaultConfig is only read while opening
  cfg = config::parse_config("base_dir: /nonexistent\nvaults:\n" + vaults_yaml, "signatory.yaml");
  return open_vault(cfg.vaults.at(0), ctx);
}

Error open_error(const std::string& vaults_yaml, VaultContext ctx = {}) {
  try {
    open(vaults_yaml, std::move(ctx));
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "opened";
  return internal_error("none");
}

std::vector<std::string> hashes(Vault& v) {
  std::vector<std::string> out;
  for (const auto& k : v.list()) out.push_back(k->public_key().hash().to_base58());
  return out;
}

std::string secret_keys_file(const std::vector<std::pair<std::string, std::string>>& entries) {
  json doc = json::array();
  for (const auto& [name, value] : entries) doc.push_back({{"name", name}, {"value", value}});
  return doc.dump(2);
}

TEST(FileVault, ListsTheKeysOfAnOctezSecretKeysFileAndSignsWithThem) {
  testing::TempDir dir;
  dir.write("secret_keys", secret_keys_file({{"a", "unencrypted:" + secret("ed25519_0")},
                                             {"b", "unencrypted:" + secret("secp256k1_0")},
                                             {"c", "unencrypted:" + secret("bls12_381_0")}}));
  auto v = open("  local:\n    driver: file\n    config: " + dir.file("secret_keys") + "\n");
  EXPECT_EQ(v->type_label(), "File");
  EXPECT_EQ(hashes(*v),
            (std::vector<std::string>{pkh("ed25519_0"), pkh("secp256k1_0"), pkh("bls12_381_0")}));
  auto keys = v->list();
  EXPECT_EQ(keys[1]->id(), "b");
  const Bytes message = from_hex("03aabbcc");
  EXPECT_TRUE(keys[0]->public_key().verify(message, keys[0]->sign(message, 2)));
}

TEST(FileVault, AMissingFileIsAnEmptyVaultAndAMalformedOneIsRefused) {
  testing::TempDir dir;
  EXPECT_TRUE(
      open("  local:\n    driver: file\n    config: " + dir.file("none") + "\n")->list().empty());
  dir.write("bad", "{\"not\": \"a list\"}");
  Error e = open_error("  local:\n    driver: file\n    config: " + dir.file("bad") + "\n");
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_EQ(std::string(e.what()), dir.file("bad") +
                                       ": not an octez secret_keys file (expected a JSON array of "
                                       "{\"name\", \"value\"} objects)");
  dir.write("bad2", "[{\"name\": \"a\"}]");
  e = open_error("  local:\n    driver: file\n    config: " + dir.file("bad2") + "\n");
  EXPECT_EQ(std::string(e.what()),
            dir.file("bad2") + "[0]: expected an object with string fields \"name\" and \"value\"");
}

TEST(FileVault, EncryptedKeysAreUnlockedWithThePasswordFileOrVariable) {
  testing::TempDir dir;
  const json& enc = encrypted("enc_ed25519_0");
  dir.write(
      "secret_keys",
      secret_keys_file({{"enc", "encrypted:" + enc.at("encrypted_secret_key").get<std::string>()},
                        {"plain", "unencrypted:" + secret("p256_0")}}));
  dir.write("pw", enc.at("password").get<std::string>() + "\n");
  auto v = open("  local:\n    driver: file\n    config:\n      file: " + dir.file("secret_keys") +
                "\n      password_file: " + dir.file("pw") + "\n");
  EXPECT_EQ(hashes(*v), (std::vector<std::string>{enc.at("public_key_hash"), pkh("p256_0")}));

  ::setenv("SIGNATORY_TEST_VAULT_PW", enc.at("password").get<std::string>().c_str(), 1);
  v = open("  local:\n    driver: file\n    config:\n      file: " + dir.file("secret_keys") +
           "\n      password_env: SIGNATORY_TEST_VAULT_PW\n");
  EXPECT_EQ(hashes(*v).size(), 2u);
  ::unsetenv("SIGNATORY_TEST_VAULT_PW");

  // No password and no terminal: the encrypted key is skipped, the others stay usable.
  v = open("  local:\n    driver: file\n    config: " + dir.file("secret_keys") + "\n");
  EXPECT_EQ(hashes(*v), (std::vector<std::string>{pkh("p256_0")}));
  // A wrong password from the prompt: skipped too.
  VaultContext ctx;
  ctx.prompt_secret = [](const std::string&) { return crypto::SecretBytes::from_string("wrong"); };
  v = open("  local:\n    driver: file\n    config: " + dir.file("secret_keys") + "\n", ctx);
  EXPECT_EQ(hashes(*v), (std::vector<std::string>{pkh("p256_0")}));
}

TEST(FileVault, ConfigErrorsNameFileLineAndKey) {
  Error e = open_error("  local:\n    driver: file\n    config:\n      password_file: /x\n");
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_EQ(
      std::string(e.what()),
      "signatory.yaml:6: vaults.local.config: `file' (path of the secret_keys file) is required");
  e = open_error("  local:\n    driver: file\n");
  EXPECT_EQ(std::string(e.what()),
            "signatory.yaml:3: vaults.local.config: expected the path of a secret_keys file");
  e = open_error(
      "  local:\n    driver: file\n    config:\n      file: /x\n      password_env: "
      "SIGNATORY_TEST_UNSET_VARIABLE\n");
  EXPECT_EQ(std::string(e.what()),
            "signatory.yaml:7: vaults.local.config.password_env: variable "
            "SIGNATORY_TEST_UNSET_VARIABLE is not set");
}

TEST(FileVault, ImportAndGenerateWriteTheFileAndSurviveAReopen) {
  testing::TempDir dir;
  const std::string yaml =
      "  local:\n    driver: file\n    config: " + dir.file("keys/secret_keys") + "\n";
  auto v = open(yaml);
  ASSERT_TRUE(v->can_import());
  v->import_key(tezos::SecretKey::parse(secret("ed25519_1")), "imported");
  auto generated = v->generate_key(tezos::KeyType::Secp256k1, "");
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("keys/secret_keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Refused: the same name, the same key.
  EXPECT_EQ(v->list().size(), 2u);
  Error e = internal_error("none");
  try {
    v->import_key(tezos::SecretKey::parse(secret("p256_1")), "imported");
  } catch (const Error& x) {
    e = x;
  }
  EXPECT_EQ(std::string(e.what()),
            "a key named `imported' already exists in " + dir.file("keys/secret_keys"));
  EXPECT_THROW(v->import_key(tezos::SecretKey::parse(secret("ed25519_1")), "again"), Error);
  EXPECT_EQ(v->list().size(), 2u) << "a refused import changes nothing";

  auto reopened = open(yaml);
  EXPECT_EQ(hashes(*reopened), (std::vector<std::string>{
                                   pkh("ed25519_1"), generated->public_key().hash().to_base58()}));
  EXPECT_EQ(reopened->list()[0]->id(), "imported");
  EXPECT_EQ(reopened->list()[1]->id(), generated->public_key().hash().to_base58());
}

TEST(MemVault, ListsTheConfiguredKeysAndImportsForTheProcessOnly) {
  auto v = open("  m:\n    driver: mem\n    config:\n      - " + secret("ed25519_0") +
                "\n      - " + secret("p256_0") + "\n");
  EXPECT_EQ(v->type_label(), "Mem");
  EXPECT_EQ(hashes(*v), (std::vector<std::string>{pkh("ed25519_0"), pkh("p256_0")}));
  v->import_key(tezos::SecretKey::parse(secret("bls12_381_0")), "x");
  EXPECT_EQ(hashes(*v).size(), 3u);
  EXPECT_TRUE(open("  m:\n    driver: mem\n")->list().empty());
  // `keys:` under a mapping is the same list.
  EXPECT_EQ(hashes(*open("  m:\n    driver: mem\n    config:\n      keys: [" +
                         secret("secp256k1_0") + "]\n")),
            (std::vector<std::string>{pkh("secp256k1_0")}));
}

TEST(MemVault, ConfigErrorsNameFileLineAndItem) {
  Error e = open_error("  m:\n    driver: mem\n    config: edsk-not-a-list\n");
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_EQ(std::string(e.what()),
            "signatory.yaml:5: vaults.m.config: expected a list of secret keys");
  e = open_error("  m:\n    driver: mem\n    config:\n      - " + secret("ed25519_0") +
                 "\n      - [nested]\n");
  EXPECT_EQ(std::string(e.what()), "signatory.yaml:7: vaults.m.config[1]: expected a secret key");
  e = open_error("  m:\n    driver: mem\n    config:\n      - edskNOTAKEY\n");
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_NE(std::string(e.what()).find("key `0': "), std::string::npos) << e.what();
}

TEST(VaultRegistry, UnknownDriversAreNamedWithTheKnownOnes) {
  Error e = open_error("  v:\n    driver: hsm\n");
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_EQ(std::string(e.what()),
            "unknown vault driver `hsm'; available drivers are awskms, file, mem");
}

TEST(VaultRegistry, ARegisteredDriverIsOpenedByItsName) {
  struct Empty : Vault {
    std::string type_label() const override { return "Empty"; }
    std::vector<std::shared_ptr<Key>> list() override { return {}; }
  };
  std::string seen_path;
  register_driver("test-empty", [&](const config::VaultConfig& cfg, const VaultContext&) {
    seen_path = cfg.config.path();
    return std::make_unique<Empty>();
  });
  auto v = open("  e:\n    driver: test-empty\n    config: {a: 1}\n");
  EXPECT_EQ(v->type_label(), "Empty");
  EXPECT_EQ(seen_path, "vaults.e.config");
  // The optional operations are refused with Signatory's texts.
  EXPECT_FALSE(v->can_import());
  try {
    v->import_key(tezos::SecretKey::parse(secret("ed25519_0")), "");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "vault Empty doesn't support import operation");
  }
}

}  // namespace
}  // namespace signatory::vault
