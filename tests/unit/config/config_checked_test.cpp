// Tests of load_config_checked (config.h), the loader behind `signatory-cli config check` and
// reload: it goes on after a problem where it can and reports every one at its file and line,
// keeping the parts that loaded; load_config on the same file throws the first problem. Keys
// come from the test vectors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "config/config.h"
#include "config/testdata_keys.h"

namespace signatory::config {
namespace {

// A config file written for one test and removed after it.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text)
      : path_((std::filesystem::temp_directory_path() /
               ("sig_config_checked_" + std::to_string(::getpid()) + ".yaml"))
                  .string()) {
    std::ofstream(path_) << testdata::fill(
        text, {{"k0", testdata::test_key("ed25519_0").public_key_hash},
               {"k1", testdata::test_key("ed25519_1").public_key_hash}});
  }
  ~ConfigFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> messages(const std::vector<Error>& problems) {
  std::vector<std::string> out;
  for (const auto& e : problems) out.push_back(e.what());
  return out;
}

TEST(LoadConfigChecked, ReportsEveryBrokenPartAndKeepsTheOthers) {
  ConfigFile file(
      "vaults:\n"                      // 1
      "  good:\n"                      // 2
      "    driver: mem\n"              // 3
      "  broken: [1, 2]\n"             // 4
      "watermark: 12\n"                // 5
      "tezos:\n"                       // 6
      "  {k0}:\n"                      // 7
      "    allow:\n"                   // 8
      "      generic: [no_such_op]\n"  // 9
      "  {k1}:\n"                      // 10
      "    allow:\n"                   // 11
      "      generic: [transaction]\n"
      "  tz1notakeyhash:\n");  // 13
  std::vector<Error> problems;
  const Config cfg = load_config_checked(file.path(), std::nullopt, problems);
  const auto got = messages(problems);
  ASSERT_EQ(got.size(), 4u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0].rfind(file.path() + ":4: vaults.broken: ", 0), 0u) << got[0];
  EXPECT_EQ(got[1].rfind(file.path() + ":5: watermark: ", 0), 0u) << got[1];
  EXPECT_EQ(got[2].rfind(file.path() + ":9: ", 0), 0u) << got[2];
  EXPECT_NE(got[2].find("invalid operation kind `no_such_op'"), std::string::npos) << got[2];
  EXPECT_EQ(got[3].rfind(file.path() + ":13: tezos.tz1notakeyhash: ", 0), 0u) << got[3];
  // What loaded is kept: the good vault and the good policy.
  ASSERT_EQ(cfg.vaults.size(), 1u);
  EXPECT_EQ(cfg.vaults[0].name, "good");
  ASSERT_EQ(cfg.policies.size(), 1u);
  EXPECT_EQ(cfg.policies[0].first.to_base58(), testdata::test_key("ed25519_1").public_key_hash);
  // load_config stops at the first.
  try {
    load_config(file.path());
    ADD_FAILURE() << "load_config accepted a broken file";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), got[0]);
  }
}

TEST(LoadConfigChecked, AGoodFileHasNoProblem) {
  ConfigFile file("vaults:\n  m:\n    driver: mem\ntezos:\n  {k0}:\n");
  std::vector<Error> problems;
  const Config cfg = load_config_checked(file.path(), std::nullopt, problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(messages(problems));
  EXPECT_EQ(cfg.policies.size(), 1u);
}

TEST(LoadConfigChecked, AFileThatCannotBeReadOrParsedIsOneProblem) {
  std::vector<Error> problems;
  load_config_checked("/nonexistent/signatory.yaml", std::nullopt, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(std::string(problems[0].what()).find("file does not exist"), std::string::npos);

  ConfigFile file("tezos:\n  - [unclosed\n");
  problems.clear();
  load_config_checked(file.path(), std::nullopt, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(std::string(problems[0].what()).rfind(file.path() + ":", 0), 0u) << problems[0].what();
  EXPECT_NE(std::string(problems[0].what()).find("invalid YAML"), std::string::npos);
}

}  // namespace
}  // namespace signatory::config
