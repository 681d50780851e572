// Writing an octez secret_keys file through the file seam: the document is the JSON octez
// reads (checked with an independent parser), values go back byte for byte, the file gets mode
// 0600 whatever was there, and a replace failing at any step leaves the old file intact.
#include "vault/local/secret_keys_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "support/faulty_file_env.h"
#include "test_support.h"

namespace signatory::vault {
namespace {

namespace fs = std::filesystem;
using signatory::testing::FaultyFileEnv;
using signatory::testing::FileOp;
using signatory::testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

SecretKeyEntry entry(const std::string& name, const std::string& value) {
  return {name, crypto::SecretBytes::from_string(value)};
}

const nlohmann::json& key_vector(std::size_t i) {
  return signatory::testing::tezos_vectors("keys.json").at("keys").at(i);
}
const nlohmann::json& encrypted_vector(std::size_t i) {
  return signatory::testing::tezos_vectors("keys.json").at("encrypted_keys").at(i);
}

class SecretKeysFile : public ::testing::Test {
 protected:
  std::string path() const { return dir_.file("secret_keys"); }
  std::vector<SecretKeyEntry> two_keys() const {
    std::vector<SecretKeyEntry> v;
    v.push_back(entry(
        "baker", "encrypted:" + encrypted_vector(0).at("encrypted_secret_key").get<std::string>()));
    v.push_back(entry("other \"quoted\"\n",
                      "unencrypted:" + key_vector(1).at("secret_key").get<std::string>()));
    return v;
  }
  TempDir dir_;
  FaultyFileEnv env_;
};

TEST_F(SecretKeysFile, WritesOctezJsonWithValuesAsGiven) {
  const auto entries = two_keys();
  write_secret_keys_file(env_, path(), entries);
  const auto doc = nlohmann::json::parse(slurp(path()));
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), 2u);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(doc[i].size(), 2u);
    EXPECT_EQ(doc[i].at("name"), entries[i].name);
    EXPECT_EQ(doc[i].at("value"), std::string(entries[i].value.as_string()));
  }
  // The layout octez-client and the previous writer produce (nlohmann's dump(2)).
  EXPECT_EQ(slurp(path()), doc.dump(2) + "\n");
  struct stat st = {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  write_secret_keys_file(env_, path(), {});
  EXPECT_EQ(slurp(path()), "[]\n");
}

TEST_F(SecretKeysFile, ExistingFileOfOtherModeBecomes0600) {
  {
    std::ofstream out(path());
    out << "[]\n";
  }
  ASSERT_EQ(::chmod(path().c_str(), 0644), 0);
  write_secret_keys_file(env_, path(), two_keys());
  struct stat st = {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SecretKeysFile, FailedReplaceLeavesTheOldFileIntact) {
  std::vector<SecretKeyEntry> first;
  first.push_back(entry(
      "baker", "encrypted:" + encrypted_vector(0).at("encrypted_secret_key").get<std::string>()));
  write_secret_keys_file(env_, path(), first);
  const std::string before = slurp(path());
  env_.limit_writes(16);  // short writes before the failure
  for (const FileOp op :
       {FileOp::Remove, FileOp::Create, FileOp::Write, FileOp::Sync, FileOp::Rename}) {
    SCOPED_TRACE(static_cast<int>(op));
    env_.fail(op, ENOSPC, {.after = op == FileOp::Write ? 3 : 0});
    try {
      write_secret_keys_file(env_, path(), two_keys());
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("cannot write " + path() + ": ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos);
      // Never the key material.
      EXPECT_EQ(std::string(e.what()).find("edsk"), std::string::npos);
    }
    env_.clear(op);
    EXPECT_EQ(slurp(path()), before);
    EXPECT_FALSE(fs::exists(path() + ".tmp"));
  }
}

}  // namespace
}  // namespace signatory::vault
