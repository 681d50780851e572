// The example config that `cmake --install` and the Debian package ship (deploy/signatory.yaml):
// it loads without a warning, enables nothing that needs a secret, and `signatory-cli list`
// works against it before its file vault exists; a key file that cannot be reached is an error
// that names it, not an empty vault.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "test_support.h"

namespace signatory::testing {
namespace {

const std::string kExample = std::string(SIGNATORY_SOURCE_DIR) + "/deploy/signatory.yaml";
const std::string kStateDir = "/var/lib/signatory";

std::string example_text() {
  std::ifstream in(kExample);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The example with its state directory moved to `dir`.
std::string example_in(const std::string& dir) {
  std::string text = example_text();
  for (std::size_t at; (at = text.find(kStateDir)) != std::string::npos;)
    text.replace(at, kStateDir.size(), dir);
  return text;
}

TEST(ShippedConfig, LoadsWithoutWarningsAndNeedsNoSecret) {
  config::Config cfg = config::load_config(kExample);
  EXPECT_EQ(cfg.warnings, std::vector<std::string>{});
  EXPECT_EQ(cfg.base_dir, kStateDir);
  EXPECT_EQ(cfg.server.address, "127.0.0.1:6732");
  EXPECT_EQ(cfg.server.utility_address, "127.0.0.1:9583");
  EXPECT_TRUE(cfg.server.authorized_keys.empty());
  EXPECT_TRUE(cfg.server.jwt_users.empty());
  EXPECT_FALSE(cfg.server.tls.has_value());
  EXPECT_FALSE(cfg.policy_hook.has_value());
  ASSERT_EQ(cfg.vaults.size(), 1u);
  EXPECT_EQ(cfg.vaults[0].driver, "file");
  ASSERT_NE(cfg.vaults[0].config.find("file"), nullptr);
  EXPECT_EQ(cfg.vaults[0].config.find("file")->text(), kStateDir + "/secret_keys");
  EXPECT_EQ(cfg.watermark.driver, "file");
  EXPECT_TRUE(cfg.policies.empty());
}

TEST(ShippedConfig, ListWorksBeforeTheVaultFileExists) {
  TempDir dir;
  dir.write("signatory.yaml", example_in(dir.file("state")));
  auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " list");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Key file does not exist yet"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("state")));  // listing creates nothing
}

TEST(ShippedConfig, AnUnreachableKeyFileIsAnErrorNamingIt) {
  // A symbolic link loop stands in for a directory the user may not search (tests run as
  // root, who may search anything): both make stat() fail with something other than ENOENT.
  TempDir dir;
  std::filesystem::create_symlink(dir.file("state"), dir.file("state"));
  dir.write("signatory.yaml", example_in(dir.file("state")));
  auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " list");
  EXPECT_NE(r.err.find("cannot read " + dir.file("state/secret_keys") + ": "), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("does not exist yet"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace signatory::testing
