// `signatory-cli generate` and `import` on a `file` vault (issue 12.2), through the real binary:
// encrypted keys already in the file are written back byte for byte (never decrypted to
// disk), as is an entry the vault cannot use; a new key is written encrypted with the vault's
// password (octez's scheme: it decrypts with the password to the key the CLI printed, and
// lists), or in plain text with a warning when the vault has no password; the file stays mode
// 0600; a write that fails leaves the file exactly as it was.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_support.h"
#include "tezos/keys.h"

namespace signatory::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const json& encrypted_vector(const std::string& id) {
  for (const auto& k : tezos_vectors("keys.json")["encrypted_keys"])
    if (k["id"] == id) return k;
  throw std::runtime_error("no encrypted key " + id);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The `value` of entry `name` in a secret_keys file.
std::string value_of(const json& doc, const std::string& name) {
  for (const auto& e : doc)
    if (e["name"] == name) return e["value"];
  return {};
}

// The public key hash on the `Public Key Hash:` line of the CLI's output.
std::string printed_pkh(const std::string& out) {
  const std::string label = "Public Key Hash:    ";
  const auto at = out.find(label);
  if (at == std::string::npos) return {};
  return out.substr(at + label.size(), out.find('\n', at) - at - label.size());
}

// A file vault holding two keys encrypted with one password (octez's compact layout) and an
// entry this vault cannot use (a Ledger key), unlocked with a password file when `password`.
class KeyFile : public ::testing::Test {
 protected:
  void write_config(bool password) {
    const json& a = encrypted_vector("enc_ed25519_0");
    const json& b = encrypted_vector("enc_secp256k1_0");
    ASSERT_EQ(a["password"], b["password"]);
    password_ = a["password"];
    original_ = {{"baker", "encrypted:" + a["encrypted_secret_key"].get<std::string>()},
                 {"ledger_key", "ledger://tz1-hardware/ed25519/0h/0h"},
                 {"other", "encrypted:" + b["encrypted_secret_key"].get<std::string>()}};
    std::string text = "[";
    for (const auto& [name, value] : original_)
      text += std::string(text.size() > 1 ? ",\n  " : " ") + "{ \"name\": \"" + name +
              "\", \"value\": \"" + value + "\" }";
    dir_.write("secret_keys", text + " ]\n");
    dir_.write("pw", password_ + "\n");
    dir_.write("signatory.yaml",
               "base_dir: " + dir_.path() +
                   "\nvaults:\n  local:\n    driver: file\n    config:\n"
                   "      file: " +
                   dir_.file("secret_keys") + "\n" +
                   (password ? "      password_file: " + dir_.file("pw") + "\n" : std::string()));
  }
  CommandResult cli(const std::string& args) const {
    return run_binary("signatory-cli", "-c " + dir_.file("signatory.yaml") + " " + args);
  }
  json file() const { return json::parse(slurp(dir_.file("secret_keys"))); }
  void expect_original_entries_unchanged() const {
    const json doc = file();
    for (const auto& [name, value] : original_) EXPECT_EQ(value_of(doc, name), value) << name;
  }

  TempDir dir_;
  std::string password_;
  std::vector<std::pair<std::string, std::string>> original_;
};

TEST_F(KeyFile, GenerateAndImportKeepEncryptedKeysAndEncryptTheNewOnes) {
  write_config(true);
  const auto gen = cli("generate --vault local -t tz1");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string generated = printed_pkh(gen.out);
  ASSERT_EQ(generated.substr(0, 3), "tz1") << gen.out;
  const json& tz3 = []() -> const json& {
    for (const auto& k : tezos_vectors("keys.json")["keys"])
      if (k["id"] == "p256_0") return k;
    throw std::runtime_error("no p256_0");
  }();
  const auto imp =
      cli("import --vault local -o name:imported " + tz3["secret_key"].get<std::string>());
  ASSERT_EQ(imp.exit_code, 0) << imp.err;

  expect_original_entries_unchanged();
  const json doc = file();
  ASSERT_EQ(doc.size(), 5u);
  EXPECT_EQ(slurp(dir_.file("secret_keys")).find("unencrypted:"), std::string::npos);
  // The new entries: octez's encrypted form, opened with the vault's password.
  const std::string gen_value = value_of(doc, generated);
  ASSERT_EQ(gen_value.rfind("encrypted:edesk", 0), 0u) << gen_value;
  EXPECT_EQ(
      tezos::SecretKey::decrypt(gen_value.substr(10), password_).public_key().hash().to_base58(),
      generated);
  const std::string imp_value = value_of(doc, "imported");
  ASSERT_EQ(imp_value.rfind("encrypted:p2esk", 0), 0u) << imp_value;
  EXPECT_EQ(tezos::SecretKey::decrypt(imp_value.substr(10), password_).to_base58().as_string(),
            tz3["secret_key"].get<std::string>());
  EXPECT_EQ(gen.err.find("unencrypted"), std::string::npos) << gen.err;

  struct stat st = {};
  ASSERT_EQ(::stat(dir_.file("secret_keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Every usable key lists (the Ledger entry is skipped, as before, but kept in the file).
  const auto list = cli("list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const std::string& pkh :
       {encrypted_vector("enc_ed25519_0")["public_key_hash"].get<std::string>(),
        encrypted_vector("enc_secp256k1_0")["public_key_hash"].get<std::string>(), generated,
        tz3["public_key_hash"].get<std::string>()}) {
    EXPECT_NE(list.out.find("Public Key Hash:    " + pkh), std::string::npos) << pkh;
  }
  // An alias already in the file, even on an entry the vault cannot use, is refused.
  const auto dup =
      cli("import --vault local -o name:ledger_key " +
          encrypted_vector("enc_ed25519_1")["decrypted_secret_key"].get<std::string>());
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("a key named `ledger_key' already exists"), std::string::npos) << dup.err;
}

TEST_F(KeyFile, WithoutAPasswordTheNewKeyIsPlainWithAWarning) {
  write_config(false);
  // No terminal: the encrypted keys cannot be unlocked (skipped), yet they are kept as they are.
  const auto gen = cli("generate --vault local -t tz2");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string generated = printed_pkh(gen.out);
  EXPECT_NE(gen.err.find("The new key is stored unencrypted"), std::string::npos) << gen.err;
  expect_original_entries_unchanged();
  const std::string value = value_of(file(), generated);
  ASSERT_EQ(value.rfind("unencrypted:spsk", 0), 0u) << value;
  EXPECT_EQ(tezos::SecretKey::parse(value.substr(12)).public_key().hash().to_base58(), generated);
}

TEST_F(KeyFile, FailedWriteLeavesTheFileIntact) {
  write_config(true);
  const std::string before = slurp(dir_.file("secret_keys"));
  // The temporary file's name is taken by a non-empty directory: the replace fails at its
  // first step, before anything is written.
  fs::create_directories(dir_.file("secret_keys.tmp/x"));
  const auto gen = cli("generate --vault local -t tz1");
  EXPECT_EQ(gen.exit_code, 1);
  EXPECT_NE(gen.err.find("cannot write " + dir_.file("secret_keys")), std::string::npos) << gen.err;
  EXPECT_EQ(slurp(dir_.file("secret_keys")), before);
  fs::remove_all(dir_.file("secret_keys.tmp"));
  EXPECT_EQ(cli("generate --vault local -t tz1").exit_code, 0);
  expect_original_entries_unchanged();
}

}  // namespace
}  // namespace signatory::testing
