// Writing the watermark log: a fresh log is header, commit and zeroed space; each append is one
// write of the record and the new commit into that space; marks survive reopening; compaction
// keeps every mark and bounds the file; injected write, sync and replace failures are 503 and
// leave the log whole (crash states and damage: mark_log_damage_test.cpp).
#include "watermark/file/mark_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "../watermark_test_support.h"
#include "support/faulty_file_env.h"
#include "watermark/file/mark_record.h"

namespace signatory::watermark {
namespace {

using namespace testing;
using signatory::testing::FaultyFileEnv;
using signatory::testing::FileOp;
namespace fs = std::filesystem;

class MarkLogTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "marks.log").string(); }
  MarkLogOptions options(std::size_t prealloc = 8) {
    MarkLogOptions o;
    o.preallocate_records = prealloc;
    o.env = &env_;
    return o;
  }
  TempDir dir_;
  FaultyFileEnv env_;
};

TEST_F(MarkLogTest, MissingFileReadsAsNothing) {
  EXPECT_FALSE(read_mark_log(path()));
}

TEST_F(MarkLogTest, FreshLogIsHeaderCommitAndZeroedSpace) {
  MarkLog log(path(), {}, options(8));
  const Bytes data = read_file(path());
  EXPECT_EQ(data.size(), kLogHeaderSize + (1 + 8) * kLogRecordSize);
  LogHeaderInfo info;
  EXPECT_EQ(check_log_header(data, &info), "");
  EXPECT_EQ(info.version, 2u);
  EXPECT_EQ(info.file_size, data.size());
  const LogRecord commit = encode_log_commit(0);
  EXPECT_TRUE(std::equal(commit.begin(), commit.end(), data.begin() + kLogHeaderSize));
  EXPECT_TRUE(std::all_of(data.begin() + kLogHeaderSize + kLogRecordSize, data.end(),
                          [](auto b) { return b == 0; }));
  auto contents = read_mark_log(path());
  ASSERT_TRUE(contents);
  EXPECT_TRUE(contents->marks.empty());
  EXPECT_EQ(contents->format, 2u);
  EXPECT_FALSE(contents->torn_at);
}

TEST_F(MarkLogTest, AppendWritesTheRecordOverTheCommitAndTheNewCommitAfterIt) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  MarkLog log(path(), {}, options(8));
  const Bytes before = read_file(path());
  const int writes = env_.calls(FileOp::Write), syncs = env_.calls(FileOp::SyncData);
  log.append(slot, signed_mark(r0, 1));
  log.append(slot, signed_mark(r1, 2));
  EXPECT_EQ(env_.calls(FileOp::Write) - writes, 2);  // one write and one fdatasync per append
  EXPECT_EQ(env_.calls(FileOp::SyncData) - syncs, 2);
  Bytes expected = before;
  std::size_t pos = kLogHeaderSize;
  for (const LogRecord& r : {encode_log_record(slot, signed_mark(r0, 1), 1),
                             encode_log_record(slot, signed_mark(r1, 2), 2), encode_log_commit(2)}) {
    std::copy(r.begin(), r.end(), expected.begin() + static_cast<std::ptrdiff_t>(pos));
    pos += kLogRecordSize;
  }
  EXPECT_EQ(read_file(path()), expected);
}

TEST_F(MarkLogTest, AppendedMarksAreReadBack) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Request blk = request("block_round_1_reproposal");
  {
    MarkLog log(path(), {}, options());
    log.append(r0.slot(delegate(0)), signed_mark(r0, 1));
    log.append(r0.slot(delegate(0)), signed_mark(r1, 2));
    log.append(blk.slot(delegate(0)), signed_mark(blk, 3));
  }
  auto contents = read_mark_log(path());
  ASSERT_TRUE(contents);
  EXPECT_EQ(contents->records, 3u);
  ASSERT_EQ(contents->marks.size(), 2u);
  const Mark& pre = contents->marks.at(r0.slot(delegate(0)));
  EXPECT_EQ(pre.round, r1.round);
  EXPECT_EQ(pre.digest, r1.digest);
  EXPECT_EQ(pre.signature, signature(2));
  EXPECT_EQ(contents->marks.at(blk.slot(delegate(0))).signature, signature(3));
}

TEST_F(MarkLogTest, CompactionKeepsEveryMarkAndBoundsTheFile) {
  const Request base = request("block_mainnet_12180922_shape");
  std::map<Slot, Mark> expected;
  {
    MarkLog log(path(), {}, options(4));
    for (int i = 0; i < 50; ++i) {
      const Slot slot = base.slot(delegate(static_cast<std::size_t>(i % 3)));
      Mark m = signed_mark(base, static_cast<std::uint8_t>(i));
      m.level = base.level + i;
      log.append(slot, m);
      expected[slot] = m;
      EXPECT_LE(fs::file_size(path()), kLogHeaderSize + (4 + 4) * kLogRecordSize);
    }
    EXPECT_GT(log.compactions(), 10u);
    EXPECT_EQ(log.health(), "");
  }
  auto contents = read_mark_log(path());
  ASSERT_TRUE(contents);
  ASSERT_EQ(contents->marks.size(), expected.size());
  for (const auto& [slot, m] : expected) {
    EXPECT_EQ(contents->marks.at(slot).level, m.level);
    EXPECT_EQ(contents->marks.at(slot).signature, m.signature);
  }
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
}

// /healthz may be asked from several connections at once: the directory probe of one must not
// make another report a healthy directory as broken (it did: "create …probe: File exists").
TEST_F(MarkLogTest, ConcurrentHealthChecksAllSeeAHealthyLog) {
  MarkLog log(path(), {}, options());
  std::atomic<int> unhealthy{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (!log.health().empty()) ++unhealthy;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(unhealthy.load(), 0);
  EXPECT_EQ(log.health(), "");
}

TEST_F(MarkLogTest, InjectedWriteFailureIs503AndNothingIsRecorded) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  MarkLog log(path(), {}, options());
  log.append(slot, signed_mark(r0, 1));
  env_.fail_writes(ENOSPC);
  const Error e = error_of([&] { log.append(slot, signed_mark(r1, 2)); });
  EXPECT_EQ(e.code(), ErrorCode::Unavailable);
  EXPECT_NE(std::string(e.what()).find("watermark store: cannot persist mark"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find(std::strerror(ENOSPC)), std::string::npos) << e.what();
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).round, r0.round);
  EXPECT_NE(log.health().find(std::strerror(ENOSPC)), std::string::npos) << log.health();
  // A failed write is retried by the next append.
  env_.fail_writes(0);
  EXPECT_NO_THROW(log.append(slot, signed_mark(r1, 2)));
  EXPECT_EQ(log.health(), "");
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).round, r1.round);
}

TEST_F(MarkLogTest, FailedSyncPoisonsTheLogUntilRestart) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  MarkLog log(path(), {}, options());
  env_.fail_syncs(EIO);
  const Error e = error_of([&] { log.append(slot, signed_mark(r0, 1)); });
  EXPECT_EQ(e.code(), ErrorCode::Unavailable);
  EXPECT_NE(std::string(e.what()).find("fdatasync"), std::string::npos) << e.what();
  EXPECT_NE(log.health(), "");
  env_.fail_syncs(0);
  const Error again = error_of([&] { log.append(slot, signed_mark(r1, 2)); });
  EXPECT_EQ(again.code(), ErrorCode::Unavailable);
  EXPECT_NE(std::string(again.what()).find("restart"), std::string::npos) << again.what();
  EXPECT_NE(log.health(), "");
}

TEST_F(MarkLogTest, RemovedFileIsReportedNotWrittenInto) {
  MarkLog log(path(), {}, options());
  EXPECT_EQ(log.health(), "");
  fs::remove(path());
  EXPECT_NE(log.health().find("removed"), std::string::npos) << log.health();
  const Request r0 = request("preattestation_mainnet_r0");
  EXPECT_EQ(error_of([&] { log.append(r0.slot(delegate(0)), signed_mark(r0, 1)); }).code(), ErrorCode::Unavailable);
}

// A directory that became read-only (a read-only remount, EROFS; or permissions, EACCES) still
// takes appends in place, but the next compaction or start would fail: not ready.
TEST_F(MarkLogTest, ADirectoryWhereNoFileCanBeCreatedIsReported) {
  MarkLog log(path(), {}, options());
  EXPECT_EQ(log.health(), "");
  for (int error : {EROFS, EACCES}) {
    env_.fail(FileOp::Create, error);
    const std::string why = log.health();
    EXPECT_NE(why.find("cannot create files next to the log"), std::string::npos) << why;
    EXPECT_NE(why.find(std::strerror(error)), std::string::npos) << why;
    env_.clear(FileOp::Create);
    EXPECT_EQ(log.health(), "") << "recovers when the cause is gone";
  }
  EXPECT_FALSE(fs::exists(path() + ".probe"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 1);
}

TEST_F(MarkLogTest, FailedCompactionKeepsTheOldFileInUse) {
  const Request base = request("block_mainnet_12180922_shape");
  const Slot slot = base.slot(delegate(0));
  MarkLog log(path(), {}, options(2));
  Mark m = signed_mark(base, 1);
  log.append(slot, m);
  m.level++;
  log.append(slot, m);  // the zeroed space is now used up
  env_.fail_writes(ENOSPC);
  Mark next = m;
  next.level++;
  EXPECT_EQ(error_of([&] { log.append(slot, next); }).code(), ErrorCode::Unavailable);
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
  EXPECT_NE(log.health(), "");
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, m.level);
  env_.fail_writes(0);
  EXPECT_NO_THROW(log.append(slot, next));
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, next.level);
  EXPECT_EQ(log.health(), "");
}

TEST_F(MarkLogTest, AppendsSurviveShortWritesAndInterruptions) {
  const Request base = request("block_mainnet_12180922_shape");
  const Slot slot = base.slot(delegate(0));
  MarkLog log(path(), {}, options(2));
  env_.limit_writes(5);
  env_.interrupt_writes(3);
  Mark m = signed_mark(base, 1);
  for (int i = 0; i < 5; ++i) {  // through a compaction too
    m.level = base.level + i;
    log.append(slot, m);
  }
  EXPECT_GT(env_.calls(FileOp::Write), 5 * static_cast<int>(kLogRecordSize / 5));
  EXPECT_EQ(log.health(), "");
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, m.level);
}

// A compaction that fails at any step of its replace gives 503 for the request that needed it
// and leaves the current log whole and in use; the next append retries it.
TEST_F(MarkLogTest, CompactionFailingAtEachStepKeepsTheCurrentLog) {
  const Request base = request("block_mainnet_12180922_shape");
  const Slot slot = base.slot(delegate(0));
  MarkLog log(path(), {}, options(1));
  Mark m = signed_mark(base, 1);
  log.append(slot, m);  // the zeroed space is used up: every later append compacts first
  for (const FileOp op :
       {FileOp::Remove, FileOp::Create, FileOp::Write, FileOp::Sync, FileOp::Rename}) {
    SCOPED_TRACE(static_cast<int>(op));
    Mark next = m;
    next.level++;
    env_.fail(op, EIO, {.path_part = ".tmp"});
    const Error e = error_of([&] { log.append(slot, next); });
    env_.clear();
    EXPECT_EQ(e.code(), ErrorCode::Unavailable);
    EXPECT_NE(std::string(e.what()).find(path() + ".tmp"), std::string::npos) << e.what();
    EXPECT_FALSE(fs::exists(path() + ".tmp"));
    EXPECT_NE(log.health(), "");
    EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, m.level);
    ASSERT_NO_THROW(log.append(slot, next));
    EXPECT_EQ(log.health(), "");
    EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, next.level);
    m = next;
  }
}

// After the rename, a failed fsync of the directory may lose the rename in a crash: the log
// refuses appends until a restart, which finds every acknowledged mark.
TEST_F(MarkLogTest, CompactionWhoseDirectorySyncFailsPoisonsTheLog) {
  const Request base = request("block_mainnet_12180922_shape");
  const Slot slot = base.slot(delegate(0));
  Mark m = signed_mark(base, 1);
  {
    MarkLog log(path(), {}, options(1));
    log.append(slot, m);
    env_.fail(FileOp::SyncDir, EIO);
    Mark next = m;
    next.level++;
    const Error e = error_of([&] { log.append(slot, next); });
    EXPECT_EQ(e.code(), ErrorCode::Unavailable);
    EXPECT_NE(std::string(e.what()).find("fsync directory"), std::string::npos) << e.what();
    env_.clear();
    EXPECT_NE(log.health().find("restart the signer"), std::string::npos) << log.health();
    EXPECT_EQ(error_of([&] { log.append(slot, next); }).code(), ErrorCode::Unavailable);
  }
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, m.level);
}

TEST_F(MarkLogTest, CreateFailsWithAClearError) {
  env_.fail_syncs(EIO);
  const Error e = error_of([&] { MarkLog log(path(), {}, options()); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(std::string(e.what()).find(std::strerror(EIO)), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("cannot create " + path()), std::string::npos) << e.what();
  EXPECT_FALSE(fs::exists(path()));
}

}  // namespace
}  // namespace signatory::watermark
