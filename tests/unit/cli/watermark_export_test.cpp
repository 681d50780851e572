// `signatory-cli watermark export -o FILE` writes through the file seam: the document lands
// whole (also over short writes), and a write that fails at any step leaves an earlier export
// at FILE exactly as it was, no temporary file behind, and an error naming the step and cause.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/watermark_commands.h"
#include "support/faulty_file_env.h"
#include "watermark/mem/mem_watermark.h"
#include "watermark/transfer/mark_document.h"
#include "watermark/watermark_test_support.h"

namespace signatory::cli {
namespace {

namespace fs = std::filesystem;
using signatory::testing::FaultyFileEnv;
using signatory::testing::FileOp;
using watermark::testing::delegate;
using watermark::testing::read_file;
using watermark::testing::request;
using watermark::testing::signature;

class WatermarkExport : public ::testing::Test {
 protected:
  // Marks of three slots, from the consensus vectors.
  void SetUp() override {
    int fill = 1;
    for (const char* id :
         {"attestation_mainnet_r0", "block_predecessor_round_3", "preattestation_mainnet_r1"}) {
      const auto r = request(id);
      watermark::Mark m;
      m.level = r.level;
      m.round = r.round;
      m.digest = r.digest;
      m.signature = signature(static_cast<std::uint8_t>(fill++));
      store_.raise(r.slot(delegate(0)), m);
    }
  }
  std::string out() const { return (dir_.path() / "marks.json").string(); }
  std::string read_out() const {
    const Bytes b = read_file(out());
    return std::string(b.begin(), b.end());
  }
  watermark::testing::TempDir dir_;
  watermark::MemWatermark store_;
  FaultyFileEnv env_;
};

TEST_F(WatermarkExport, WritesTheDocumentWholeAndParsesBack) {
  env_.limit_writes(10);  // short writes: the loop must finish the document
  EXPECT_EQ(export_marks_to_file(store_, out(), env_), 3u);
  EXPECT_EQ(read_out(), watermark::write_mark_document(store_.marks()));
  EXPECT_TRUE(watermark::testing::same_marks(watermark::read_mark_document(out()), store_.marks()));
  EXPECT_FALSE(fs::exists(out() + ".tmp"));
  EXPECT_EQ(env_.calls(FileOp::Sync), 1);
  EXPECT_EQ(env_.calls(FileOp::SyncDir), 1);
}

TEST_F(WatermarkExport, FailureAtAnyStepKeepsTheEarlierExport) {
  watermark::MemWatermark earlier;
  ASSERT_EQ(export_marks_to_file(earlier, out(), env_), 0u);
  const std::string before = read_out();
  for (const FileOp op : {FileOp::Create, FileOp::Write, FileOp::Sync, FileOp::Rename}) {
    SCOPED_TRACE(static_cast<int>(op));
    env_.fail(op, ENOSPC);
    const Error e =
        watermark::testing::error_of([&] { export_marks_to_file(store_, out(), env_); });
    env_.clear();
    EXPECT_EQ(std::string(e.what()).rfind("cannot ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(out() + ".tmp"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOSPC)), std::string::npos) << e.what();
    EXPECT_EQ(read_out(), before);
    EXPECT_FALSE(fs::exists(out() + ".tmp"));
  }
  // A failed fsync of the directory is reported too (the new export may not survive a crash).
  env_.fail(FileOp::SyncDir, EIO);
  const Error e = watermark::testing::error_of([&] { export_marks_to_file(store_, out(), env_); });
  EXPECT_NE(std::string(e.what()).find("fsync directory"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace signatory::cli
