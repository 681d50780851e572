// `signatory-cli config check` (cli/config_check.h), through check_config() and the real
// binary: a good config passes (exit 0) after its file vault's keys were read; a config with
// several problems gets every one of them, each at its file and line (exit 1); a file that is
// not YAML is one problem at its line; a KMS vault is not contacted unless --connect asks.
// Keys come from the test vectors.
#include "cli/config_check.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "test_support.h"

namespace signatory::testing {
namespace {

std::string pkh(const std::string& id) {
  return tezos_key(id).at("public_key_hash");
}

// The line numbers of "<config>:<line>: …" problems.
std::set<int> lines_of(const std::vector<std::string>& problems, const std::string& config) {
  std::set<int> lines;
  for (const auto& p : problems) {
    if (p.rfind(config + ":", 0) != 0) continue;
    lines.insert(std::stoi(p.substr(config.size() + 1)));
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class ConfigCheck : public ::testing::Test {
 protected:
  cli::GlobalFlags flags() const {
    cli::GlobalFlags f;
    f.config_path = dir.file("signatory.yaml");
    return f;
  }
  std::string config() const { return dir.file("signatory.yaml"); }
  CommandResult run(const std::string& extra = "") const {
    return run_binary("signatory-cli", "-c " + config() + " config check" + extra);
  }
  TempDir dir;
};

TEST_F(ConfigCheck, AGoodConfigPassesAfterItsKeysWereRead) {
  dir.write("secret_keys", secret_keys_file({"ed25519_0", "secp256k1_0"}));
  dir.write("signatory.yaml", "base_dir: " + dir.path() +
                                  "\nvaults:\n  local:\n    driver: file\n    config:\n"
                                  "      file: " +
                                  dir.file("secret_keys") +
                                  "\nwatermark:\n  driver: mem\n"
                                  "tezos:\n  " +
                                  pkh("ed25519_0") +
                                  ":\n    allow:\n      generic: [transaction]\n");
  const cli::CheckReport report = cli::check_config(flags(), {});
  EXPECT_EQ(report.problems, std::vector<std::string>{});
  EXPECT_NE(joined(report.notes).find("vault `local' (file): 2 keys"), std::string::npos)
      << joined(report.notes);

  const CommandResult r = run();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(config() + ": OK\n"), std::string::npos) << r.out;
}

TEST_F(ConfigCheck, EveryProblemIsReportedAtItsLine) {
  // One line each, numbered from 1.
  const std::vector<std::string> file_lines = {
      "base_dir: " + dir.path(),
      "server:",
      "  jwt:",
      "    users:",
      "      alice:",  // 5: too weak
      "        password: short",
      "        secret: short",
      "vaults:",
      "  local:",  // 9: not a secret_keys file
      "    driver: file",
      "    config:",
      "      file: " + dir.file("broken_secret_keys"),
      "  other:",  // 13: unknown driver
      "    driver: nosuch",
      "watermark:",
      "  driver: nosuch",  // 16: unknown driver
      "tezos:",
      "  tz1notakeyhash:",  // 18: not a key hash
      "    allow: {}",
      "  " + pkh("ed25519_0") + ":",
      "    allow:",
      "      generic: [no_such_op]",  // 22: unknown operation kind
  };
  const std::string text = joined(file_lines);
  dir.write("signatory.yaml", text);
  dir.write("broken_secret_keys", "{not json");
  const cli::CheckReport report = cli::check_config(flags(), {});
  // Every problem names the file and a line; one per broken part, in no particular order.
  for (const auto& p : report.problems)
    EXPECT_EQ(p.rfind(config() + ":", 0), 0u) << "no file:line in: " << p;
  const std::set<int> lines = lines_of(report.problems, config());
  EXPECT_EQ(report.problems.size(), 6u) << joined(report.problems);
  EXPECT_TRUE(lines.count(5)) << joined(report.problems);   // JWT user alice
  EXPECT_TRUE(lines.count(18)) << joined(report.problems);  // bad pkh
  EXPECT_TRUE(lines.count(13)) << joined(report.problems);  // unknown vault driver
  EXPECT_TRUE(lines.count(9) || lines.count(12)) << joined(report.problems);   // broken key file
  EXPECT_TRUE(lines.count(15) || lines.count(16)) << joined(report.problems);  // watermark
  EXPECT_TRUE(lines.count(22) || lines.count(20)) << joined(report.problems);  // bad op kind
  EXPECT_NE(joined(report.problems).find("alice"), std::string::npos);
  EXPECT_EQ(joined(report.problems).find("short"), std::string::npos) << "a secret was printed";

  const CommandResult r = run();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const auto& p : report.problems) EXPECT_NE(r.out.find(p + "\n"), std::string::npos) << p;
  EXPECT_NE(r.out.find(config() + ": 6 problems\n"), std::string::npos) << r.out;
}

TEST_F(ConfigCheck, AFileThatIsNotYamlIsOneProblemAtItsLine) {
  dir.write("signatory.yaml", "base_dir: /tmp\nvaults:\n  local: [unclosed\n");
  const cli::CheckReport report = cli::check_config(flags(), {});
  ASSERT_EQ(report.problems.size(), 1u) << joined(report.problems);
  EXPECT_NE(report.problems[0].find("invalid YAML"), std::string::npos) << report.problems[0];
  EXPECT_EQ(lines_of(report.problems, config()).size(), 1u) << report.problems[0];
  EXPECT_EQ(run().exit_code, 1);
}

TEST_F(ConfigCheck, AMissingFileIsAProblem) {
  const CommandResult r = run();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("file does not exist: " + config()), std::string::npos) << r.out;
}

TEST_F(ConfigCheck, AKmsVaultIsContactedOnlyWithConnect) {
  // A closed local port: listing fails at once when (and only when) KMS is contacted.
  dir.write("signatory.yaml", "base_dir: " + dir.path() +
                                  "\nvaults:\n  kms:\n    driver: awskms\n"
                                  "    config:\n      region: us-east-1\n"
                                  "      endpoint: http://127.0.0.1:9\n      max_attempts: 1\n"
                                  "      access_key_id: AKIDEXAMPLE\n"
                                  "      secret_access_key: not-a-secret\n");
  const CommandResult quiet = run();
  EXPECT_EQ(quiet.exit_code, 0) << quiet.out << quiet.err;
  EXPECT_NE(quiet.out.find("vault `kms' (awskms): settings accepted (not contacted"),
            std::string::npos)
      << quiet.out;
  const CommandResult connected = run(" --connect");
  EXPECT_EQ(connected.exit_code, 1) << connected.out << connected.err;
  EXPECT_NE(connected.out.find(config() + ":3: vaults.kms: "), std::string::npos) << connected.out;
  EXPECT_EQ(connected.out.find("not-a-secret"), std::string::npos);
}

TEST_F(ConfigCheck, ABadKmsSettingIsAProblemWithoutContactingKms) {
  dir.write("signatory.yaml", "base_dir: " + dir.path() +
                                  "\nvaults:\n  kms:\n    driver: awskms\n"
                                  "    config:\n      region: us-east-1\n"
                                  "      endpoint: http://127.0.0.1:9\n      timeout: soon\n"
                                  "      access_key_id: AKIDEXAMPLE\n"
                                  "      secret_access_key: not-a-secret\n");
  const cli::CheckReport report = cli::check_config(flags(), {});
  ASSERT_EQ(report.problems.size(), 1u) << joined(report.problems);
  EXPECT_EQ(report.problems[0].rfind(config() + ":8: vaults.kms.config.timeout: ", 0), 0u)
      << report.problems[0];
}

}  // namespace
}  // namespace signatory::testing
