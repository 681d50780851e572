// Durability of the watermark log: marks survive reopening; a log cut or zeroed at any byte
// of its last record still loads and never goes below the mark before that record; damage
// anywhere else refuses to start; compaction keeps every mark and bounds the file; a left-over
// compaction file is ignored; injected write and sync failures are reported as 503.
#include "watermark/file/mark_log.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "../watermark_test_support.h"
#include "support/faulty_file_env.h"
#include "watermark/file/crc32c.h"
#include "watermark/file/mark_record.h"

namespace signatory::watermark {
namespace {

using namespace testing;
using signatory::testing::FaultyFileEnv;
using signatory::testing::FileOp;
namespace fs = std::filesystem;

Mark mark(const Request& r, std::uint8_t sig) {
  Mark m;
  m.level = r.level;
  m.round = r.round;
  m.digest = r.digest;
  m.signature = signature(sig);
  return m;
}

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
  // Every write (resp. fsync, fdatasync, directory fsync) fails with `error`; 0 clears.
  void write_fault(int error) { set_faults({FileOp::Write}, error); }
  void sync_fault(int error) {
    set_faults({FileOp::Sync, FileOp::SyncData, FileOp::SyncDir}, error);
  }
  void set_faults(std::initializer_list<FileOp> ops, int error) {
    for (FileOp op : ops) error ? env_.fail(op, error) : env_.clear(op);
  }
  FaultyFileEnv env_;
};

TEST_F(MarkLogTest, MissingFileReadsAsNothing) {
  EXPECT_FALSE(read_mark_log(path()));
}

TEST_F(MarkLogTest, FreshLogIsHeaderPlusZeroedSpace) {
  MarkLog log(path(), {}, options(8));
  const Bytes data = read_file(path());
  EXPECT_EQ(data.size(), kLogHeaderSize + 8 * kLogRecordSize);
  EXPECT_EQ(check_log_header(data), "");
  EXPECT_TRUE(
      std::all_of(data.begin() + kLogHeaderSize, data.end(), [](auto b) { return b == 0; }));
  auto contents = read_mark_log(path());
  ASSERT_TRUE(contents);
  EXPECT_TRUE(contents->marks.empty());
  EXPECT_FALSE(contents->torn_at);
}

TEST_F(MarkLogTest, AppendedMarksAreReadBack) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Request blk = request("block_round_1_reproposal");
  {
    MarkLog log(path(), {}, options());
    log.append(r0.slot(delegate(0)), mark(r0, 1));
    log.append(r0.slot(delegate(0)), mark(r1, 2));
    log.append(blk.slot(delegate(0)), mark(blk, 3));
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

// The heart of the crash argument: whatever prefix of the last record reached the disk
// (cut file) or whatever part of it (zeroed head or tail inside preallocated space), loading
// succeeds and the slot is exactly at the previous, acknowledged mark.
TEST_F(MarkLogTest, TornLastRecordAtEveryByteFallsBackToThePreviousMark) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  {
    MarkLog log(path(), {}, options());
    log.append(slot, mark(r0, 1));
    log.append(slot, mark(r1, 2));
  }
  const Bytes full = read_file(path());
  const std::size_t last = kLogHeaderSize + kLogRecordSize;  // offset of the second record
  const std::string torn = (dir_.path() / "torn.log").string();
  auto expect_previous = [&](const Bytes& image, bool expect_torn, const std::string& what) {
    SCOPED_TRACE(what);
    write_file(torn, image);
    std::optional<MarkLogContents> c;
    ASSERT_NO_THROW(c = read_mark_log(torn));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->marks.size(), 1u);
    const Mark& m = c->marks.at(slot);
    EXPECT_EQ(m.level, r0.level);
    EXPECT_EQ(m.round, r0.round);
    EXPECT_EQ(m.digest, r0.digest);
    EXPECT_EQ(m.signature, signature(1));
    EXPECT_EQ(c->torn_at.has_value(), expect_torn);
    if (c->torn_at) {
      EXPECT_EQ(*c->torn_at, last);
    }
  };
  for (std::size_t k = 0; k < kLogRecordSize; ++k) {
    Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(last + k));
    expect_previous(cut, k > 0, "cut at " + std::to_string(k));
    Bytes tail_zeroed = full;  // first k bytes written, the rest still preallocated zeroes
    std::fill(tail_zeroed.begin() + static_cast<std::ptrdiff_t>(last + k),
              tail_zeroed.begin() + static_cast<std::ptrdiff_t>(last + kLogRecordSize), 0);
    expect_previous(tail_zeroed, k > 0, "tail zeroed from " + std::to_string(k));
    Bytes head_zeroed = full;  // later sectors written first
    std::fill(head_zeroed.begin() + static_cast<std::ptrdiff_t>(last),
              head_zeroed.begin() + static_cast<std::ptrdiff_t>(last + k + 1), 0);
    expect_previous(head_zeroed, k + 1 < kLogRecordSize, "head zeroed to " + std::to_string(k));
  }
  // The full last record is read.
  write_file(torn, full);
  EXPECT_EQ(read_mark_log(torn)->marks.at(slot).round, r1.round);
}

TEST_F(MarkLogTest, DamagedRecordInTheMiddleRefusesToLoad) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  {
    MarkLog log(path(), {}, options());
    log.append(slot, mark(r1, 2));
    log.append(r0.slot(delegate(1)), mark(r0, 1));
  }
  const Bytes full = read_file(path());
  for (std::size_t i : {std::size_t{0}, std::size_t{33}, kLogRecordSize - 1}) {
    Bytes bad = full;
    bad[kLogHeaderSize + i] ^= 0x40;  // damage the first record; a valid one follows
    write_file(path(), bad);
    const Error e = error_of([&] { read_mark_log(path()); });
    EXPECT_EQ(e.status(), 500);
    EXPECT_NE(std::string(e.what()).find("offset 16"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("refusing to start"), std::string::npos) << e.what();
  }
}

TEST_F(MarkLogTest, GarbageAfterTheEndRefusesToLoad) {
  {
    MarkLog log(path(), {}, options());
    const Request r0 = request("preattestation_mainnet_r0");
    log.append(r0.slot(delegate(0)), mark(r0, 1));
  }
  Bytes data = read_file(path());
  // Bytes beyond a zeroed record: the writer never leaves a gap, so this is damage.
  data[kLogHeaderSize + 3 * kLogRecordSize + 5] = 0x77;
  write_file(path(), data);
  EXPECT_EQ(error_of([&] { read_mark_log(path()); }).status(), 500);
  // Garbage after a damaged record (not a plain torn write) is refused too.
  data = read_file(path());
  data[kLogHeaderSize + 3] ^= 1;
  write_file(path(), data);
  EXPECT_EQ(error_of([&] { read_mark_log(path()); }).status(), 500);
}

TEST_F(MarkLogTest, BadHeaderRefusesToLoad) {
  write_text(path(), "");
  EXPECT_EQ(error_of([&] { read_mark_log(path()); }).status(), 500);
  write_text(path(), "{\"NetXdQprcVkpaWU\": {}}");
  const Error e = error_of([&] { read_mark_log(path()); });
  EXPECT_EQ(e.status(), 500);
  EXPECT_NE(std::string(e.what()).find("not a watermark log"), std::string::npos) << e.what();
  // A future format version is refused, not misread.
  LogHeader h = encode_log_header();
  h[8] = 2;
  const std::uint32_t c = crc32c(ByteView(h.data(), 12));
  for (int i = 0; i < 4; ++i) h[12 + i] = static_cast<std::uint8_t>(c >> (8 * i));
  write_file(path(), h);
  EXPECT_NE(std::string(error_of([&] { read_mark_log(path()); }).what()).find("version 2"),
            std::string::npos);
}

TEST_F(MarkLogTest, LaterLowerRecordNeverLowersTheMark) {
  // The writer never appends a lower mark; if a log held one, loading keeps the highest.
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  const LogHeader header = encode_log_header();
  Bytes image(header.begin(), header.end());
  for (const LogRecord& r :
       {encode_log_record(slot, mark(r1, 2)), encode_log_record(slot, mark(r0, 1))}) {
    image.insert(image.end(), r.begin(), r.end());
  }
  write_file(path(), image);
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).round, r1.round);
}

TEST_F(MarkLogTest, CompactionKeepsEveryMarkAndBoundsTheFile) {
  const Request base = request("block_mainnet_12180922_shape");
  std::map<Slot, Mark> expected;
  {
    MarkLog log(path(), {}, options(4));
    for (int i = 0; i < 50; ++i) {
      const Slot slot = base.slot(delegate(static_cast<std::size_t>(i % 3)));
      Mark m = mark(base, static_cast<std::uint8_t>(i));
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

TEST_F(MarkLogTest, InjectedWriteFailureIs503AndNothingIsRecorded) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  MarkLog log(path(), {}, options());
  log.append(slot, mark(r0, 1));
  write_fault(ENOSPC);
  const Error e = error_of([&] { log.append(slot, mark(r1, 2)); });
  EXPECT_EQ(e.status(), 503);
  EXPECT_NE(std::string(e.what()).find("watermark store: cannot persist mark"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find(std::strerror(ENOSPC)), std::string::npos) << e.what();
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).round, r0.round);
  EXPECT_NE(log.health().find(std::strerror(ENOSPC)), std::string::npos) << log.health();
  // A failed write is retried by the next append.
  write_fault(0);
  EXPECT_NO_THROW(log.append(slot, mark(r1, 2)));
  EXPECT_EQ(log.health(), "");
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).round, r1.round);
}

TEST_F(MarkLogTest, FailedSyncPoisonsTheLogUntilRestart) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  MarkLog log(path(), {}, options());
  sync_fault(EIO);
  const Error e = error_of([&] { log.append(slot, mark(r0, 1)); });
  EXPECT_EQ(e.status(), 503);
  EXPECT_NE(std::string(e.what()).find("fdatasync"), std::string::npos) << e.what();
  EXPECT_NE(log.health(), "");
  sync_fault(0);
  const Error again = error_of([&] { log.append(slot, mark(r1, 2)); });
  EXPECT_EQ(again.status(), 503);
  EXPECT_NE(std::string(again.what()).find("restart"), std::string::npos) << again.what();
  EXPECT_NE(log.health(), "");
}

TEST_F(MarkLogTest, RemovedFileIsReportedNotWrittenInto) {
  MarkLog log(path(), {}, options());
  EXPECT_EQ(log.health(), "");
  fs::remove(path());
  EXPECT_NE(log.health().find("removed"), std::string::npos) << log.health();
  const Request r0 = request("preattestation_mainnet_r0");
  EXPECT_EQ(error_of([&] { log.append(r0.slot(delegate(0)), mark(r0, 1)); }).status(), 503);
}

TEST_F(MarkLogTest, FailedCompactionKeepsTheOldFileInUse) {
  const Request base = request("block_mainnet_12180922_shape");
  const Slot slot = base.slot(delegate(0));
  MarkLog log(path(), {}, options(2));
  Mark m = mark(base, 1);
  log.append(slot, m);
  m.level++;
  log.append(slot, m);  // the zeroed space is now used up
  write_fault(ENOSPC);
  Mark next = m;
  next.level++;
  EXPECT_EQ(error_of([&] { log.append(slot, next); }).status(), 503);
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
  EXPECT_NE(log.health(), "");
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, m.level);
  write_fault(0);
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
  Mark m = mark(base, 1);
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
  Mark m = mark(base, 1);
  log.append(slot, m);  // the zeroed space is used up: every later append compacts first
  for (const FileOp op :
       {FileOp::Remove, FileOp::Create, FileOp::Write, FileOp::Sync, FileOp::Rename}) {
    SCOPED_TRACE(static_cast<int>(op));
    Mark next = m;
    next.level++;
    env_.fail(op, EIO, {.path_part = ".tmp"});
    const Error e = error_of([&] { log.append(slot, next); });
    env_.clear();
    EXPECT_EQ(e.status(), 503);
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
  Mark m = mark(base, 1);
  {
    MarkLog log(path(), {}, options(1));
    log.append(slot, m);
    env_.fail(FileOp::SyncDir, EIO);
    Mark next = m;
    next.level++;
    const Error e = error_of([&] { log.append(slot, next); });
    EXPECT_EQ(e.status(), 503);
    EXPECT_NE(std::string(e.what()).find("fsync directory"), std::string::npos) << e.what();
    env_.clear();
    EXPECT_NE(log.health().find("restart the signer"), std::string::npos) << log.health();
    EXPECT_EQ(error_of([&] { log.append(slot, next); }).status(), 503);
  }
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).level, m.level);
}

TEST_F(MarkLogTest, CreateFailsWithAClearError) {
  sync_fault(EIO);
  const Error e = error_of([&] { MarkLog log(path(), {}, options()); });
  EXPECT_EQ(e.status(), 500);
  EXPECT_NE(std::string(e.what()).find(std::strerror(EIO)), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("cannot create " + path()), std::string::npos) << e.what();
  EXPECT_FALSE(fs::exists(path()));
}

}  // namespace
}  // namespace signatory::watermark
