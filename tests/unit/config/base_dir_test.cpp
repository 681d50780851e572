// Tests of base_dir.cpp: creation with mode 0770 and the write probe.
#include "config/base_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace signatory::config {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  fs::path p = fs::path(testing::TempDir()) / ("sig_base_dir_" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  return p;
}

TEST(BaseDir, CreatedWith0770AndLeftClean) {
  const fs::path dir = fresh_dir("a") / "b" / "c";
  const mode_t old = ::umask(0);
  prepare_base_dir(dir.string());
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0770u);
  EXPECT_TRUE(fs::is_empty(dir)) << "the write probe is removed";
  prepare_base_dir(dir.string());  // already there: fine
}

TEST(BaseDir, RefusesAFile) {
  const fs::path dir = fresh_dir("file");
  fs::create_directories(dir);
  const fs::path file = dir / "not_a_dir";
  std::ofstream(file) << "x";
  try {
    prepare_base_dir(file.string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "Base directory permission error: " + file.string() + " is not a directory");
  }
}

TEST(BaseDir, RefusesAReadOnlyDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can write anywhere";
  const fs::path dir = fresh_dir("ro");
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  try {
    prepare_base_dir(dir.string());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "Base directory permission error: " + dir.string() + " is not writable: ", 0),
              0u)
        << e.what();
  }
  fs::permissions(dir, fs::perms::owner_all);
}

}  // namespace
}  // namespace signatory::config
