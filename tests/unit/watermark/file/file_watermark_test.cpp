// The `file` backend as a whole: marks and stored signatures survive a restart, a torn last
// record after a crash is survivable, a damaged log refuses to start, a second process cannot
// share the store, a mark that cannot be made durable gives 503 and no signature (and the
// store still loads afterwards), health() reports a broken store, a first start imports
// Signatory's watermark_v2 directory.
#include "watermark/file/file_watermark.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "../watermark_test_support.h"
#include "support/faulty_file_env.h"
#include "watermark/file/crc32c.h"
#include "watermark/file/mark_record.h"

namespace signatory::watermark {
namespace {

using namespace testing;
using signatory::testing::FaultyFileEnv;
namespace fs = std::filesystem;

class FileWatermarkTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileWatermark> open() {
    FileWatermarkOptions o = small_file_options();
    o.log.env = &env_;
    return std::make_unique<FileWatermark>(base_.str(), o);
  }
  std::string log_path() const { return FileWatermark::log_path(base_.str()); }
  TempDir base_;
  FaultyFileEnv env_;
};

TEST_F(FileWatermarkTest, LayoutUnderBaseDir) {
  auto store = open();
  EXPECT_EQ(log_path(), (base_.path() / "watermark_log" / "marks.log").string());
  EXPECT_TRUE(fs::is_regular_file(log_path()));
  EXPECT_EQ(store->health(), "");
  EXPECT_EQ(fs::status(base_.path() / "watermark_log").permissions() & fs::perms::all,
            fs::perms::owner_all);
  EXPECT_EQ(fs::status(log_path()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(FileWatermarkTest, MarksAndSignaturesSurviveARestart) {
  const Request a = request("attestation_mainnet_r0");
  const Request b = request("block_predecessor_round_3");
  {
    auto store = open();
    CountingSigner s1{signature(1)}, s2{signature(2)};
    store->guard(a.slot(delegate(0)), a.level, a.round, a.digest, s1.fn());
    store->guard(b.slot(delegate(0)), b.level, b.round, b.digest, s2.fn());
  }
  auto store = open();
  EXPECT_EQ(store->marks().size(), 2u);
  CountingSigner again{signature(9)};
  // Same bytes after the restart: the very signature given the first time.
  EXPECT_EQ(store->guard(a.slot(delegate(0)), a.level, a.round, a.digest, again.fn()),
            signature(1));
  EXPECT_EQ(again.calls, 0);
  const Request other = request("bls_attestation_mainnet");  // same level/round, other bytes
  EXPECT_EQ(error_of([&] {
              store->guard(a.slot(delegate(0)), other.level, other.round, other.digest, again.fn());
            }).code(),
            ErrorCode::Conflict);
  const Request lower_block = request("block_round_1_reproposal");
  EXPECT_EQ(error_of([&] {
              store->guard(b.slot(delegate(0)), lower_block.level, lower_block.round,
                           lower_block.digest, again.fn());
            }).code(),
            ErrorCode::Conflict);
}

TEST_F(FileWatermarkTest, SurvivesATornLastRecordWithoutGoingLower) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(3));
  Bytes before, after;
  {
    auto store = open();
    CountingSigner s0{signature(1)}, s1{signature(2)};
    store->guard(slot, r0.level, r0.round, r0.digest, s0.fn());
    before = read_file(log_path());
    store->guard(slot, r1.level, r1.round, r1.digest, s1.fn());
    after = read_file(log_path());
  }
  // The second record was being written when the process died: only its first 100 bytes
  // arrived (over the commit that followed the first record).
  const std::size_t last = kLogHeaderSize + kLogRecordSize;
  Bytes data = before;
  std::copy_n(after.begin() + static_cast<std::ptrdiff_t>(last), 100,
              data.begin() + static_cast<std::ptrdiff_t>(last));
  write_file(log_path(), data);
  {
    auto store = open();
    ASSERT_EQ(store->marks().size(), 1u);
    EXPECT_EQ(store->marks()[0].second.round, r0.round);
    CountingSigner s{signature(3)};
    EXPECT_EQ(store->guard(slot, r0.level, r0.round, r0.digest, s.fn()), signature(1));
    EXPECT_EQ(s.calls, 0);
    // The store accepts new marks after the torn record...
    EXPECT_EQ(store->guard(slot, r1.level, r1.round, r1.digest, s.fn()), signature(3));
  }
  // ...and they are read back on the next start.
  auto store = open();
  EXPECT_EQ(store->marks()[0].second.round, r1.round);
  EXPECT_EQ(store->marks()[0].second.signature, signature(3));
}

TEST_F(FileWatermarkTest, DamagedLogRefusesToStartUntilRepaired) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  {
    auto store = open();
    CountingSigner s{signature(1)};
    store->guard(r0.slot(delegate(0)), r0.level, r0.round, r0.digest, s.fn());
    store->guard(r1.slot(delegate(1)), r1.level, r1.round, r1.digest, s.fn());
  }
  Bytes data = read_file(log_path());
  data[kLogHeaderSize + 40] ^= 0xFF;
  write_file(log_path(), data);
  const Error e = error_of([&] { open(); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(std::string(e.what()).find(log_path()), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("offset 32"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("set-floor"), std::string::npos) << e.what();
  // The damaged file is left as it was, for the operator to inspect, and the lock released.
  EXPECT_EQ(read_file(log_path()), data);
  EXPECT_EQ(error_of([&] { open(); }).code(), ErrorCode::Internal);
  // Repair (what `watermark set-floor` and `import` do) keeps the readable mark, then writes.
  {
    FileWatermarkOptions o = small_file_options();
    o.repair = true;
    FileWatermark repaired(base_.str(), o);
    ASSERT_EQ(repaired.marks().size(), 1u);
    EXPECT_EQ(repaired.marks()[0].first, r1.slot(delegate(1)));
    Mark floor;
    floor.level = r0.level + 10;
    EXPECT_TRUE(repaired.raise(r0.slot(delegate(0)), floor).raised());
  }
  auto store = open();
  EXPECT_EQ(store->marks().size(), 2u);
  CountingSigner s{signature(2)};
  EXPECT_EQ(error_of([&] {
              store->guard(r0.slot(delegate(0)), r0.level, 5, r1.digest, s.fn());
            }).code(),
            ErrorCode::Conflict);
}

// Deleting marks.log under a store that had one loses its marks: refused, not a first start.
TEST_F(FileWatermarkTest, MissingLogOfAnExistingStoreRefusesToStart) {
  const Request r = request("attestation_mainnet_r0");
  {
    auto store = open();
    CountingSigner s{signature(1)};
    store->guard(r.slot(delegate(0)), r.level, r.round, r.digest, s.fn());
  }
  EXPECT_TRUE(fs::exists(base_.path() / "watermark_log" / "CREATED"));
  fs::remove(log_path());
  const Error e = error_of([&] { open(); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(std::string(e.what()).find(log_path() + ": the file is missing"), std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("set-floor"), std::string::npos) << e.what();
  EXPECT_FALSE(fs::exists(log_path()));
  FileWatermarkOptions o = small_file_options();
  o.repair = true;
  { FileWatermark repaired(base_.str(), o); }
  EXPECT_NO_THROW(open());
}

// A store of an earlier version (format 1 log, no CREATED) opens, is rewritten in format 2 and
// from then on protected against a missing log.
TEST_F(FileWatermarkTest, StoreOfAnEarlierVersionIsUpgradedInPlace) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  fs::create_directories(base_.path() / "watermark_log");
  Bytes v1 = {'S', 'I', 'G', 'W', 'M', 'L', 'O', 'G', 1, 0, 0, 0};
  const std::uint32_t crc = crc32c(v1);
  for (int i = 0; i < 4; ++i) v1.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  Mark m;
  m.level = r1.level;
  m.round = r1.round;
  m.digest = r1.digest;
  m.signature = signature(7);
  const LogRecord rec = encode_log_record(r0.slot(delegate(0)), m, 0);
  v1.insert(v1.end(), rec.begin(), rec.end());
  v1.resize(v1.size() + 4 * kLogRecordSize, 0);
  write_file(log_path(), v1);
  write_text(base_.path() / "watermark_log" / "LOCK", "");
  {
    auto store = open();
    ASSERT_EQ(store->marks().size(), 1u);
    CountingSigner s{signature(9)};
    EXPECT_EQ(store->guard(r0.slot(delegate(0)), r1.level, r1.round, r1.digest, s.fn()),
              signature(7));
    EXPECT_EQ(error_of([&] {
                store->guard(r0.slot(delegate(0)), r0.level, r0.round, r0.digest, s.fn());
              }).code(),
              ErrorCode::Conflict);
  }
  EXPECT_EQ(read_mark_log(log_path())->format, kLogFormatVersion);
  EXPECT_TRUE(fs::exists(base_.path() / "watermark_log" / "CREATED"));
  fs::remove(log_path());
  EXPECT_EQ(error_of([&] { open(); }).code(), ErrorCode::Internal);
}

TEST_F(FileWatermarkTest, LeftOverCompactionFileIsIgnored) {
  const Request r = request("attestation_mainnet_r0");
  {
    auto store = open();
    CountingSigner s{signature(1)};
    store->guard(r.slot(delegate(0)), r.level, r.round, r.digest, s.fn());
  }
  write_text(log_path() + ".tmp", "half-written compaction");
  auto store = open();
  EXPECT_EQ(store->marks().size(), 1u);
  EXPECT_FALSE(fs::exists(log_path() + ".tmp"));
}

TEST_F(FileWatermarkTest, SecondOpenOfTheSameStoreIsRefused) {
  auto store = open();
  const Error e = error_of([&] { open(); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(std::string(e.what()).find("in use by another signer"), std::string::npos) << e.what();
  store.reset();
  EXPECT_NO_THROW(open());
}

TEST_F(FileWatermarkTest, UnusableBaseDirIsAClearError) {
  write_text(base_.path() / "not-a-dir", "x");
  const Error e = error_of([&] { FileWatermark((base_.path() / "not-a-dir").string()); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(std::string(e.what()).find("not-a-dir"), std::string::npos) << e.what();
  EXPECT_EQ(error_of([&] { FileWatermark(""); }).code(), ErrorCode::Internal);
}

TEST_F(FileWatermarkTest, CreatesAMissingBaseDir) {
  const std::string nested = (base_.path() / "a" / "b").string();
  FileWatermark store(nested, small_file_options());
  EXPECT_TRUE(fs::is_regular_file(FileWatermark::log_path(nested)));
}

TEST_F(FileWatermarkTest, WriteFailureGives503AndNoSignature) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  auto store = open();
  CountingSigner s0{signature(1)}, s1{signature(2)};
  store->guard(slot, r0.level, r0.round, r0.digest, s0.fn());
  const auto before = store->marks();
  env_.fail_writes(ENOSPC);
  std::optional<tezos::Signature> returned;
  const Error e =
      error_of([&] { returned = store->guard(slot, r1.level, r1.round, r1.digest, s1.fn()); });
  EXPECT_EQ(e.code(), ErrorCode::Unavailable);
  EXPECT_NE(std::string(e.what()).find("watermark store: cannot persist mark"), std::string::npos);
  EXPECT_FALSE(returned);
  EXPECT_EQ(s1.calls, 1);  // it was signed, but the signature was dropped
  EXPECT_TRUE(same_marks(store->marks(), before));
  env_.fail_writes(0);
  EXPECT_EQ(store->guard(slot, r1.level, r1.round, r1.digest, s1.fn()), signature(2));
}

TEST_F(FileWatermarkTest, SyncFailureGives503BreaksHealthAndTheStoreStillLoads) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  {
    auto store = open();
    CountingSigner s0{signature(1)}, s1{signature(2)};
    store->guard(slot, r0.level, r0.round, r0.digest, s0.fn());
    env_.fail_syncs(EIO);
    std::optional<tezos::Signature> returned;
    EXPECT_EQ(error_of([&] {
                returned = store->guard(slot, r1.level, r1.round, r1.digest, s1.fn());
              }).code(),
              ErrorCode::Unavailable);
    EXPECT_FALSE(returned);
    EXPECT_NE(store->health(), "");
    EXPECT_EQ(store->marks()[0].second.round, r0.round);
    env_.fail_syncs(0);
    // Still refused: a later fdatasync could lie about data lost by the failed one.
    EXPECT_EQ(error_of([&] { store->guard(slot, r1.level, r1.round, r1.digest, s1.fn()); }).code(),
              ErrorCode::Unavailable);
    // Identical bytes already acknowledged need no write and are still answered.
    EXPECT_EQ(store->guard(slot, r0.level, r0.round, r0.digest, s1.fn()), signature(1));
  }
  // After a restart the store loads, at or above the acknowledged mark.
  auto store = open();
  EXPECT_EQ(store->health(), "");
  const Mark m = store->marks().at(0).second;
  EXPECT_GE(m.round, r0.round);
  EXPECT_EQ(m.level, r0.level);
}

TEST_F(FileWatermarkTest, RemovedLogMakesHealthFailAndRequestsFail) {
  auto store = open();
  fs::remove(log_path());
  EXPECT_NE(store->health(), "");
  const Request r = request("attestation_mainnet_r0");
  CountingSigner s{signature(1)};
  EXPECT_EQ(error_of([&] {
              store->guard(r.slot(delegate(0)), r.level, r.round, r.digest, s.fn());
            }).code(),
            ErrorCode::Unavailable);
}

TEST_F(FileWatermarkTest, RaisePersists) {
  const Request r = request("block_with_seed_nonce_hash");
  Mark m;
  m.level = r.level;
  m.round = r.round;
  {
    auto store = open();
    store->raise(r.slot(delegate(8)), m);
  }
  auto store = open();
  ASSERT_EQ(store->marks().size(), 1u);
  EXPECT_EQ(store->marks()[0].second.level, r.level);
  EXPECT_FALSE(store->marks()[0].second.digest);
}

}  // namespace
}  // namespace signatory::watermark
