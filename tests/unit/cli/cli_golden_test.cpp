// Golden-output tests of signatory-cli: every command's stdout, byte for byte, against the
// layouts of Signatory (Signatory's cmd/commands/list.go), with keys from the test vectors.
#include <gtest/gtest.h>

#include "test_support.h"

namespace signatory::testing {
namespace {

nlohmann::json key_of(const std::string& id) {
  static const nlohmann::json vectors = load_vectors("tezos/keys.json");
  for (const auto& k : vectors["keys"])
    if (k["id"] == id) return k;
  throw std::runtime_error("no key " + id);
}

// The setup guide's example, with a file vault standing in for KMS.
std::string guide_config(const TempDir& dir, const std::string& pkh, const std::string& client_pk) {
  return "base_dir: " + dir.path() + "/base\n" +
         "server:\n"
         "  authorized_keys: &authorized_key " + client_pk + "\n" +
         "vaults:\n"
         "  local:\n"
         "    driver: file\n"
         "    config:\n"
         "      file: " + dir.file("secret_keys") + "\n" +
         "tezos:\n"
         "  " + pkh + ":\n" +
         "    log_payloads: true\n"
         "    allowed_operations: [generic, block, endorsement]\n"
         "    allowed_kinds: [transaction, endorsement, reveal, delegation]\n"
         "    authorized_keys:\n"
         "      - *authorized_key\n";
}

TEST(CliGolden, ListLegacyLayoutOfTheSetupGuide) {
  TempDir dir;
  auto tz3 = key_of("p256_0");
  auto tz2 = key_of("secp256k1_0");
  auto client = key_of("ed25519_1");
  dir.write("secret_keys", "[{\"name\":\"baker\",\"value\":\"unencrypted:" +
                               tz3["secret_key"].get<std::string>() +
                               "\"},{\"name\":\"spare\",\"value\":\"unencrypted:" +
                               tz2["secret_key"].get<std::string>() + "\"}]");
  dir.write("signatory.yaml", guide_config(dir, tz3["public_key_hash"], client["public_key"]));
  auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expected =
      "Public Key Hash:    " + tz3["public_key_hash"].get<std::string>() + "\n" +
      "Vault:              File\n"
      "ID:                 baker\n"
      "Active:             true\n"
      "Allowed Operations: [block endorsement generic]\n"
      "Allowed Kinds:      [delegation endorsement reveal transaction]\n"
      "\n"
      "Public Key Hash:    " + tz2["public_key_hash"].get<std::string>() + "\n" +
      "Vault:              File\n"
      "ID:                 spare\n"
      "Active:             false\n"
      "\n";
  EXPECT_EQ(r.out, expected);
  EXPECT_NE(r.err.find("Initializing vault"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("deprecated"), std::string::npos) << r.err;
}

TEST(CliGolden, ListCurrentLayout) {
  TempDir dir;
  auto tz1 = key_of("ed25519_0");
  dir.write("secret_keys", "[{\"name\":\"a\",\"value\":\"unencrypted:" +
                               tz1["secret_key"].get<std::string>() + "\"}]");
  dir.write("signatory.yaml", "base_dir: " + dir.path() + "\nvaults:\n  v:\n    driver: file\n"
                              "    config: " + dir.file("secret_keys") + "\ntezos:\n  " +
                              tz1["public_key_hash"].get<std::string>() + ":\n");
  auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " list --format current");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expected =
      "Public Key Hash:           " + tz1["public_key_hash"].get<std::string>() + "\n" +
      "Public Key:                " + tz1["public_key"].get<std::string>() + "\n" +
      "Reference:                 a\n"
      "Vault:                     File\n"
      "Active:                    true\n"
      "Allowed Requests:          [block preattestation attestation]\n"
      "Allowed Operations:        []\n"
      "Allow Proof of Possession: false\n"
      "\n";
  EXPECT_EQ(r.out, expected);
}

TEST(CliGolden, ListRequests) {
  auto r = run_binary("signatory-cli", "list-requests");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "Possible request types:\n"
            "    - attestation\n"
            "    - attestation_with_dal\n"
            "    - block\n"
            "    - generic\n"
            "    - pack\n"
            "    - preattestation\n");
}

TEST(CliGolden, ListOpsIsSignatorysList) {
  // Signatory's `list-ops`, in this order.
  const char* names[] = {
      "activate_account", "attestations_aggregate", "ballot", "dal_entrapment_evidence",
      "dal_publish_commitment", "delegation", "double_baking_evidence",
      "double_consensus_operation_evidence", "drain_delegate", "failing_noop", "finalize_unstake",
      "increase_paid_storage", "origination", "preattestations_aggregate", "proposals",
      "register_global_constant", "reveal", "seed_nonce_revelation", "set_delegate_parameters",
      "set_deposits_limit", "signature_prefix", "smart_rollup_add_messages", "smart_rollup_cement",
      "smart_rollup_execute_outbox_message", "smart_rollup_originate", "smart_rollup_publish",
      "smart_rollup_recover_bond", "smart_rollup_refute", "smart_rollup_timeout", "stake",
      "transaction", "transfer_ticket", "unstake", "update_companion_key", "update_consensus_key",
      "vdf_revelation", "zk_rollup_origination", "zk_rollup_publish", "zk_rollup_update"};
  std::string expected = "Possible operation types:\n";
  for (const char* n : names) expected += std::string("    - ") + n + "\n";
  auto r = run_binary("signatory-cli", "list-ops");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, expected);
}

TEST(CliGolden, VersionPrintsRevisionAndBranch) {
  auto r = run_binary("signatory-cli", "version");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.rfind("GitRevision: ", 0) == 0 || r.out.rfind("Release Version: ", 0) == 0)
      << r.out;
}

TEST(CliGolden, GenerateThenImportThenList) {
  TempDir dir;
  dir.write("signatory.yaml", "base_dir: " + dir.path() + "\nvaults:\n  local:\n    driver: file\n"
                              "    config:\n      file: " + dir.file("keys/secret_keys") + "\n");
  std::string cfg = "-c " + dir.file("signatory.yaml");
  auto gen = run_binary("signatory-cli", cfg + " generate --vault local -t tz2 -n 2");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_EQ(std::count(gen.out.begin(), gen.out.end(), '\n'), 10) << gen.out;  // 2 × 5 lines
  EXPECT_NE(gen.out.find("Public Key Hash:    tz2"), std::string::npos) << gen.out;
  auto tz1 = key_of("ed25519_2");
  auto imp = run_binary("signatory-cli", cfg + " import --vault local -o name:imported " +
                                             tz1["secret_key"].get<std::string>());
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(imp.out, "");
  EXPECT_EQ(imp.err.find(tz1["secret_key"].get<std::string>()), std::string::npos);
  auto list = run_binary("signatory-cli", cfg + " list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.substr(0, gen.out.size()), gen.out);
  EXPECT_NE(list.out.find("Public Key Hash:    " + tz1["public_key_hash"].get<std::string>() +
                          "\nVault:              File\nID:                 imported\n"),
            std::string::npos)
      << list.out;
}

TEST(CliGolden, EncryptedKeyWithPasswordFile) {
  TempDir dir;
  auto enc = load_vectors("tezos/keys.json")["encrypted_keys"][0];
  dir.write("secret_keys", "[{\"name\":\"enc\",\"value\":\"encrypted:" +
                               enc["encrypted_secret_key"].get<std::string>() + "\"}]");
  dir.write("pw", enc["password"].get<std::string>() + "\n");
  dir.write("signatory.yaml", "base_dir: " + dir.path() + "\nvaults:\n  local:\n    driver: file\n"
                              "    config:\n      file: " + dir.file("secret_keys") +
                              "\n      password_file: " + dir.file("pw") + "\n");
  auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(enc["public_key_hash"].get<std::string>()), std::string::npos) << r.out;
  // A wrong password skips the key with an error that does not echo the secret.
  dir.write("pw", "wrong password\n");
  r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " list");
  EXPECT_EQ(r.out.find("tz1"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("enc"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrong password\n"), std::string::npos);
}

TEST(CliGolden, MissingConfigIsAClearError) {
  auto r = run_binary("signatory-cli", "-c /nonexistent/signatory.yaml list");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/signatory.yaml"), std::string::npos) << r.err;
}

TEST(CliGolden, UnknownVaultIsAClearError) {
  TempDir dir;
  dir.write("signatory.yaml", "base_dir: " + dir.path() + "\nvaults:\n  local:\n    driver: mem\n");
  auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " generate --vault nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Error: vault `nope' is not in the config; configured vaults: local"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace signatory::testing
