// The file seam (common/file_env.h) on the real file system, and its compound operations under
// the fault-injecting FileEnv: the write loop survives short writes and EINTR and reports a
// write that makes no progress; an atomic replace that fails at any step leaves the old file
// as it was and no temporary file behind, and one whose directory fsync fails says the new
// content is in place; a stale temporary file is never reused; the lock is exclusive; file
// identity follows replacement.
#include "common/file_env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "support/faulty_file_env.h"
#include "test_support.h"

namespace signatory {
namespace {

namespace fs = std::filesystem;
using testing::FaultyFileEnv;
using testing::FileOp;
using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

unsigned mode_of(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Some content longer than a few short writes.
std::string content(char c, std::size_t n = 1000) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(c + i % 7));
  return s;
}

class FileEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { old_umask_ = ::umask(022); }
  void TearDown() override { ::umask(old_umask_); }
  std::string path() const { return dir_.file("state"); }
  TempDir dir_;
  FaultyFileEnv env_;
  mode_t old_umask_ = 0;
};

TEST_F(FileEnvTest, ReplaceWritesTheWholeFileWithTheGivenMode) {
  const std::string a = content('a');
  ReplaceResult r = env_.replace_file(path(), as_view(a), 0600);
  ASSERT_TRUE(r.ok()) << r.status.message;
  EXPECT_TRUE(r.in_place);
  EXPECT_EQ(slurp(path()), a);
  EXPECT_EQ(mode_of(path()), 0600u);
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
  EXPECT_EQ(env_.calls(FileOp::Sync), 1);
  EXPECT_EQ(env_.calls(FileOp::SyncDir), 1);

  // Replacing again; the mode is the one asked for (less the umask), whatever was there.
  const std::string b = content('b', 10);
  r = env_.replace_file(path(), as_view(b), 0644);
  ASSERT_TRUE(r.ok()) << r.status.message;
  EXPECT_EQ(slurp(path()), b);
  EXPECT_EQ(mode_of(path()), 0644u);
}

TEST_F(FileEnvTest, WriteLoopSurvivesShortWritesAndInterruptions) {
  const std::string a = content('a', 4099);
  env_.limit_writes(7);
  env_.interrupt_writes(3);
  ReplaceResult r = env_.replace_file(path(), as_view(a), 0600);
  ASSERT_TRUE(r.ok()) << r.status.message;
  EXPECT_EQ(slurp(path()), a);
  EXPECT_EQ(env_.calls(FileOp::Write), 3 + (4099 + 6) / 7);
}

TEST_F(FileEnvTest, WriteWithoutProgressIsAnError) {
  env_.limit_writes(0);
  const std::string a = content('a');
  ReplaceResult r = env_.replace_file(path(), as_view(a), 0600);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.in_place);
  EXPECT_EQ(r.status.error, EIO);
  EXPECT_FALSE(fs::exists(path()));
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
}

// The heart of the seam: whichever step fails, the old content stays whole at `path`, no
// temporary file is left, and the message names the step, the file and the cause.
TEST_F(FileEnvTest, FailureAtEachStepOfAReplaceKeepsTheOldFile) {
  const std::string old_content = content('o');
  ASSERT_TRUE(env_.replace_file(path(), as_view(old_content), 0600).ok());
  const std::string next = content('n', 3000);
  struct Case {
    FileOp op;
    int error;
    const char* step;
  };
  for (const Case c :
       {Case{FileOp::Remove, EACCES, "remove "}, Case{FileOp::Create, EROFS, "create "},
        Case{FileOp::Write, ENOSPC, "write "}, Case{FileOp::Write, EIO, "write "},
        Case{FileOp::Sync, EIO, "fsync "}, Case{FileOp::Rename, EXDEV, "rename "}}) {
    SCOPED_TRACE(c.step);
    env_.fail(c.op, c.error);
    const ReplaceResult r = env_.replace_file(path(), as_view(next), 0600);
    env_.clear();
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.in_place);
    EXPECT_EQ(r.status.error, c.error);
    EXPECT_EQ(r.status.message.rfind(c.step, 0), 0u) << r.status.message;
    EXPECT_NE(r.status.message.find(path() + ".tmp"), std::string::npos) << r.status.message;
    EXPECT_NE(r.status.message.find(std::strerror(c.error)), std::string::npos);
    EXPECT_EQ(slurp(path()), old_content);
    EXPECT_FALSE(fs::exists(path() + ".tmp"));
  }
}

TEST_F(FileEnvTest, FailureAfterPartOfTheDataKeepsTheOldFile) {
  const std::string old_content = content('o');
  ASSERT_TRUE(env_.replace_file(path(), as_view(old_content), 0600).ok());
  // Short writes of 100 bytes; the sixth one fails: 500 bytes of the new content were written.
  env_.limit_writes(100);
  env_.fail(FileOp::Write, ENOSPC, {.after = 5, .times = 1});
  const int writes_before = env_.calls(FileOp::Write);
  const std::string next = content('n', 3000);
  const ReplaceResult r = env_.replace_file(path(), as_view(next), 0600);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status.error, ENOSPC);
  EXPECT_EQ(env_.calls(FileOp::Write) - writes_before, 6);
  EXPECT_EQ(slurp(path()), old_content);
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
  // The fault was for one call only: the next replace goes through.
  ASSERT_TRUE(env_.replace_file(path(), as_view(next), 0600).ok());
  EXPECT_EQ(slurp(path()), next);
}

TEST_F(FileEnvTest, FailedDirectorySyncLeavesTheNewFileInPlaceAndSaysSo) {
  const std::string a = content('a'), b = content('b');
  ASSERT_TRUE(env_.replace_file(path(), as_view(a), 0600).ok());
  env_.fail(FileOp::SyncDir, EIO);
  std::unique_ptr<File> kept;
  const ReplaceResult r = env_.replace_file(path(), as_view(b), 0600, &kept);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.in_place);
  EXPECT_EQ(r.status.message.rfind("fsync directory " + dir_.path(), 0), 0u) << r.status.message;
  EXPECT_EQ(slurp(path()), b);
  EXPECT_FALSE(kept);  // not durable: not handed over for writing
}

TEST_F(FileEnvTest, KeptFileIsTheReplacedFileAndTakesWritesAtOffsets) {
  std::unique_ptr<File> kept;
  const std::string a(64, '\0');
  ASSERT_TRUE(env_.replace_file(path(), as_view(a), 0600, &kept).ok());
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->path(), path());
  FileIdentity by_path, by_file;
  ASSERT_TRUE(env_.identity(path(), &by_path).ok());
  ASSERT_TRUE(kept->identity(&by_file).ok());
  EXPECT_EQ(by_path, by_file);
  ASSERT_TRUE(kept->write_all(10, as_view("xyz")).ok());
  ASSERT_TRUE(kept->sync_data().ok());
  std::string expected = a;
  expected.replace(10, 3, "xyz");
  EXPECT_EQ(slurp(path()), expected);
  // Replaced again: the open file is no longer the one at `path`.
  ASSERT_TRUE(env_.replace_file(path(), as_view(a), 0600).ok());
  ASSERT_TRUE(env_.identity(path(), &by_path).ok());
  EXPECT_NE(by_path, by_file);
}

TEST_F(FileEnvTest, StaleTemporaryFileIsNotReused) {
  // Left by an interrupted replace, world-readable: the new secret must not inherit that.
  {
    std::ofstream out(path() + ".tmp");
    out << "stale";
  }
  ASSERT_EQ(::chmod((path() + ".tmp").c_str(), 0644), 0);
  const std::string secret = "unencrypted:edsk…";
  ASSERT_TRUE(env_.replace_file(path(), as_view(secret), 0600).ok());
  EXPECT_EQ(slurp(path()), secret);
  EXPECT_EQ(mode_of(path()), 0600u);
}

TEST_F(FileEnvTest, ReadFile) {
  Bytes out{1, 2, 3};
  FileStatus s = env_.read_file(path(), &out);
  EXPECT_EQ(s.error, ENOENT);
  EXPECT_NE(s.message.find(path()), std::string::npos);
  const std::string a = content('a', 200000);  // several read chunks
  ASSERT_TRUE(env_.replace_file(path(), as_view(a), 0600).ok());
  ASSERT_TRUE(env_.read_file(path(), &out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), a);
  env_.fail(FileOp::Read, EIO);
  EXPECT_EQ(env_.read_file(path(), &out).error, EIO);
}

TEST_F(FileEnvTest, LockIsExclusiveUntilReleased) {
  const std::string lock_path = dir_.file("LOCK");
  std::unique_ptr<FileLock> first, second;
  ASSERT_TRUE(default_file_env().lock_file(lock_path, &first).ok());
  EXPECT_EQ(mode_of(lock_path), 0600u);
  const FileStatus s = default_file_env().lock_file(lock_path, &second);
  EXPECT_EQ(s.error, EWOULDBLOCK);
  EXPECT_FALSE(second);
  first.reset();
  EXPECT_TRUE(default_file_env().lock_file(lock_path, &second).ok());
}

TEST_F(FileEnvTest, SmallPrimitives) {
  FileEnv& env = default_file_env();
  std::unique_ptr<File> f;
  ASSERT_TRUE(env.create_file(path(), 0600, &f).ok());
  EXPECT_EQ(env.create_file(path(), 0600, &f).error, EEXIST);
  EXPECT_TRUE(env.open_file(path(), &f).ok());
  EXPECT_EQ(env.open_file(dir_.file("missing"), &f).error, ENOENT);
  EXPECT_TRUE(env.remove_file(path()).ok());
  EXPECT_TRUE(env.remove_file(path()).ok());  // already gone: fine
  EXPECT_TRUE(env.create_dir(dir_.file("d"), 0700).ok());
  EXPECT_EQ(env.create_dir(dir_.file("d"), 0700).error, EEXIST);
  EXPECT_EQ(mode_of(dir_.file("d")), 0700u);
  EXPECT_TRUE(env.sync_dir(dir_.file("d")).ok());
  EXPECT_EQ(env.sync_dir(dir_.file("missing")).error, ENOENT);
  EXPECT_EQ(parent_directory("/a/b/c"), "/a/b");
  EXPECT_EQ(parent_directory("/c"), "/");
  EXPECT_EQ(parent_directory("c"), ".");
}

}  // namespace
}  // namespace signatory
