// Reading a damaged or interrupted watermark log (format 2, docs/watermark-format.md): every
// state an interrupted append can leave (its bytes applied in order, as after kill -9, at any
// byte) loads, at the previous mark or at the new one, never lower; while each manipulation of
// issue 12 — truncation at several sizes, one flipped bit in the last record, the last or every
// record zeroed, the file cut to its first 16 bytes — refuses the start with one message naming
// the file, the offset and the way out. Salvage reading keeps what is readable. Format 1 logs
// (earlier versions) are still read and rewritten in format 2.
#include <gtest/gtest.h>

#include "../watermark_test_support.h"
#include "watermark/file/crc32c.h"
#include "watermark/file/mark_log.h"
#include "watermark/file/mark_record.h"

namespace signatory::watermark {
namespace {

using namespace testing;
namespace fs = std::filesystem;

std::size_t offset_of(std::size_t slot) {
  return kLogHeaderSize + slot * kLogRecordSize;
}

class MarkLogDamageTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "marks.log").string(); }
  MarkLogOptions options() const {
    MarkLogOptions o;
    o.preallocate_records = 8;
    return o;
  }

  // The scenario: an attestation signed at rising levels, then a block, a
  // preattestation and an attestation on another chain; then a restart, which rewrites the
  // log with one record per slot (4 records, the commit at slot 4).
  void write_scenario() {
    const Request att = request("attestation_mainnet_r0");
    const Slot a = att.slot(delegate(0));
    {
      MarkLog log(path(), {}, options());
      for (int i = 0; i < 5; ++i) {
        Mark m = signed_mark(att, static_cast<std::uint8_t>(i + 1));
        m.level += i * 25;
        log.append(a, m);
      }
      for (const char* id :
           {"block_predecessor_round_3", "preattestation_mainnet_r1", "bls_attestation_round_5"}) {
        const Request r = request(id);
        log.append(r.slot(delegate(0)), signed_mark(r, 9));
      }
    }
    const auto marks = read_mark_log(path())->marks;
    ASSERT_EQ(marks.size(), 4u);
    MarkLog restarted(path(), marks, options());
    expected_ = marks;
  }

  // Reading `image` refuses with one message naming the file, `where` and the way out; a
  // salvage reading says what is damaged.
  void expect_refused(const Bytes& image, const std::string& where, const std::string& what) {
    SCOPED_TRACE(what);
    write_file(path(), image);
    const Error e = error_of([&] { read_mark_log(path()); });
    const std::string m = e.what();
    EXPECT_EQ(e.code(), ErrorCode::Internal);
    EXPECT_EQ(m.rfind("watermark store: " + path() + ": ", 0), 0u) << m;
    EXPECT_NE(m.find(where), std::string::npos) << m;
    EXPECT_NE(m.find("refuses to start"), std::string::npos) << m;
    EXPECT_NE(m.find("signatory-cli watermark set-floor"), std::string::npos) << m;
    EXPECT_NE(m.find("signatory-cli watermark import"), std::string::npos) << m;
    const auto salvaged = read_mark_log(path(), default_file_env(), LogReading::Salvage);
    ASSERT_TRUE(salvaged);
    EXPECT_NE(salvaged->damage, "");
  }

  // The log loads with exactly the scenario's marks.
  void expect_scenario_marks(const Bytes& image) {
    write_file(path(), image);
    std::optional<MarkLogContents> c;
    ASSERT_NO_THROW(c = read_mark_log(path()));
    ASSERT_TRUE(c);
    ASSERT_EQ(c->marks.size(), expected_.size());
    for (const auto& [slot, m] : expected_) EXPECT_TRUE(same_mark(c->marks.at(slot), m));
  }

  // The log after a first append (r0) and after a second one (r1), of slot_.
  std::pair<Bytes, Bytes> second_append() {
    MarkLog log(path(), {}, options());
    log.append(slot_, signed_mark(r0_, 1));
    Bytes before = read_file(path());
    log.append(slot_, signed_mark(r1_, 2));
    return {std::move(before), read_file(path())};
  }

  TempDir dir_;
  std::map<Slot, Mark> expected_;
  const Request r0_ = request("preattestation_mainnet_r0");
  const Request r1_ = request("preattestation_mainnet_r1");
  const Slot slot_ = r0_.slot(delegate(0));
};

TEST_F(MarkLogDamageTest, TheScenarioLogReadsBack) {
  write_scenario();
  const Bytes image = read_file(path());
  EXPECT_EQ(image.size(), offset_of(4 + 1 + 8));
  expect_scenario_marks(image);
  EXPECT_FALSE(read_mark_log(path())->torn_at);
}

TEST_F(MarkLogDamageTest, TruncationAtAnySizeRefuses) {
  write_scenario();
  const Bytes image = read_file(path());
  for (std::size_t size :
       {std::size_t{0}, std::size_t{10}, std::size_t{16}, kLogHeaderSize, offset_of(1),
        offset_of(3), offset_of(4) - 1, offset_of(4), offset_of(5), image.size() - 1}) {
    const Bytes cut(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(size));
    const std::string where = size < kLogHeaderSize ? "header" : "truncated";
    expect_refused(cut, where, "truncated to " + std::to_string(size));
  }
  // Longer than it was written is refused too.
  Bytes longer = image;
  longer.resize(image.size() + kLogRecordSize, 0);
  expect_refused(longer, "offset " + std::to_string(image.size()), "extended");
}

TEST_F(MarkLogDamageTest, FlippedBitInTheLastRecordRefuses) {
  write_scenario();
  const Bytes image = read_file(path());
  for (std::size_t i = 0; i < kLogRecordSize; ++i) {
    Bytes bad = image;
    bad[offset_of(3) + i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    expect_refused(bad, "offset " + std::to_string(offset_of(3)),
                   "bit flip at byte " + std::to_string(i));
  }
}

TEST_F(MarkLogDamageTest, ZeroedLastRecordOrEveryRecordRefuses) {
  write_scenario();
  const Bytes image = read_file(path());
  Bytes last = image;
  std::fill_n(last.begin() + static_cast<std::ptrdiff_t>(offset_of(3)), kLogRecordSize, 0);
  expect_refused(last, "offset " + std::to_string(offset_of(3)), "last record zeroed");
  Bytes every = image;
  std::fill(every.begin() + static_cast<std::ptrdiff_t>(kLogHeaderSize),
            every.begin() + static_cast<std::ptrdiff_t>(offset_of(4)), 0);
  expect_refused(every, "offset " + std::to_string(kLogHeaderSize), "every record zeroed");
  Bytes all = image;  // records and commit
  std::fill(all.begin() + static_cast<std::ptrdiff_t>(kLogHeaderSize), all.end(), 0);
  expect_refused(all, "offset " + std::to_string(kLogHeaderSize), "everything zeroed");
}

TEST_F(MarkLogDamageTest, DamageInTheMiddleOrRecordsOutOfOrderRefuse) {
  write_scenario();
  const Bytes image = read_file(path());
  Bytes middle = image;
  middle[offset_of(1) + 50] ^= 0x10;
  expect_refused(middle, "offset " + std::to_string(offset_of(1)), "middle record");
  // Two records swapped: each is intact, but not where it was written.
  Bytes swapped = image;
  std::swap_ranges(swapped.begin() + static_cast<std::ptrdiff_t>(offset_of(1)),
                   swapped.begin() + static_cast<std::ptrdiff_t>(offset_of(2)),
                   swapped.begin() + static_cast<std::ptrdiff_t>(offset_of(2)));
  expect_refused(swapped, "sequence number", "records swapped");
  // A commit that counts other records than precede it.
  Bytes miscount = image;
  const LogRecord c = encode_log_commit(3);
  std::copy(c.begin(), c.end(), miscount.begin() + static_cast<std::ptrdiff_t>(offset_of(4)));
  expect_refused(miscount, "counts 3 records", "commit miscounts");
  // A header that lies about the version or the size.
  Bytes header = image;
  header[20] ^= 1;
  expect_refused(header, "header", "header size field");
}

// A damaged or zeroed commit alone loses nothing: every record before it is intact and read
// (it looks like an append interrupted while it overwrote the commit).
TEST_F(MarkLogDamageTest, DamagedCommitAloneLosesNoMark) {
  write_scenario();
  const Bytes image = read_file(path());
  Bytes flipped = image;
  flipped[offset_of(4) + 100] ^= 4;
  expect_scenario_marks(flipped);
  EXPECT_EQ(read_mark_log(path())->torn_at, offset_of(4));
  Bytes zeroed = image;
  std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(offset_of(4)), kLogRecordSize, 0);
  expect_scenario_marks(zeroed);
  EXPECT_EQ(read_mark_log(path())->torn_at, offset_of(4));
}

// The crash argument: an append writes the new record over the commit and the new commit after
// it, in one write. A process killed during that write (kill -9) leaves its first k bytes
// applied, for any k; loading gives the previous mark (or the new one once the whole record
// is there), never lower, and never refuses.
TEST_F(MarkLogDamageTest, AppendInterruptedAtEveryByteLoadsWithoutGoingLower) {
  const auto [before, after] = second_append();
  const std::size_t start = offset_of(1), length = 2 * kLogRecordSize;
  ASSERT_TRUE(std::equal(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(start),
                         after.begin()));
  ASSERT_TRUE(std::equal(before.begin() + static_cast<std::ptrdiff_t>(start + length), before.end(),
                         after.begin() + static_cast<std::ptrdiff_t>(start + length)));
  for (std::size_t k = 0; k <= length; ++k) {
    SCOPED_TRACE("first " + std::to_string(k) + " bytes written");
    Bytes state = before;
    std::copy_n(after.begin() + static_cast<std::ptrdiff_t>(start), k,
                state.begin() + static_cast<std::ptrdiff_t>(start));
    write_file(path(), state);
    std::optional<MarkLogContents> c;
    ASSERT_NO_THROW(c = read_mark_log(path()));
    const Mark& m = c->marks.at(slot_);
    const bool record_whole = k >= kLogRecordSize;
    EXPECT_TRUE(same_mark(m, record_whole ? signed_mark(r1_, 2) : signed_mark(r0_, 1)));
    EXPECT_EQ(c->torn_at.has_value(), k > 0 && k < length);
  }
}

// The same write with its last bytes applied first, as a power loss may leave it (the disk
// writes blocks in any order). While the new commit is incomplete the state loads at the
// previous mark; a complete new commit after an incomplete record cannot be told from the loss
// of an acknowledged record, and is refused (fail closed; docs/watermark-format.md). Never is
// a lower mark loaded.
TEST_F(MarkLogDamageTest, AppendWithItsEndWrittenFirstLoadsOrRefusesNeverLower) {
  const auto [before, after] = second_append();
  const std::size_t end = offset_of(3);
  for (std::size_t k = 0; k <= 2 * kLogRecordSize; ++k) {
    SCOPED_TRACE("last " + std::to_string(k) + " bytes written");
    Bytes state = before;
    std::copy(after.begin() + static_cast<std::ptrdiff_t>(end - k),
              after.begin() + static_cast<std::ptrdiff_t>(end),
              state.begin() + static_cast<std::ptrdiff_t>(end - k));
    write_file(path(), state);
    if (k <= kLogRecordSize || k == 2 * kLogRecordSize) {
      std::optional<MarkLogContents> c;
      ASSERT_NO_THROW(c = read_mark_log(path()));
      EXPECT_TRUE(same_mark(c->marks.at(slot_),
                            k == 2 * kLogRecordSize ? signed_mark(r1_, 2) : signed_mark(r0_, 1)));
    } else {
      const Error e = error_of([&] { read_mark_log(path()); });
      EXPECT_NE(std::string(e.what()).find("offset " + std::to_string(offset_of(1))),
                std::string::npos)
          << e.what();
    }
  }
}

TEST_F(MarkLogDamageTest, SalvageKeepsEveryReadableRecord) {
  write_scenario();
  Bytes image = read_file(path());
  image[offset_of(1) + 3] ^= 1;  // one record lost
  write_file(path(), image);
  const auto c = read_mark_log(path(), default_file_env(), LogReading::Salvage);
  ASSERT_TRUE(c);
  EXPECT_NE(c->damage.find("offset " + std::to_string(offset_of(1))), std::string::npos)
      << c->damage;
  EXPECT_EQ(c->marks.size(), 3u);  // the records before and after the damaged one
  std::size_t kept = 0;
  for (const auto& [slot, m] : expected_) {
    if (c->marks.count(slot)) {
      EXPECT_TRUE(same_mark(c->marks.at(slot), m));
      ++kept;
    }
  }
  EXPECT_EQ(kept, 3u);
  // Cut to the header: nothing to keep, but it is no error.
  image.resize(kLogHeaderSize);
  write_file(path(), image);
  const auto cut = read_mark_log(path(), default_file_env(), LogReading::Salvage);
  ASSERT_TRUE(cut);
  EXPECT_TRUE(cut->marks.empty());
  EXPECT_NE(cut->damage, "");
}

// A log as signers before format 2 wrote it (docs/watermark-format.md, "Format 1"): a 16-byte
// header and records without sequence numbers, built here from the documented layout.
Bytes format_1_log(const std::vector<std::pair<Slot, Mark>>& records, std::size_t zeroed) {
  Bytes image = {'S', 'I', 'G', 'W', 'M', 'L', 'O', 'G', 1, 0, 0, 0};
  const std::uint32_t crc = crc32c(image);
  for (int i = 0; i < 4; ++i) image.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  for (const auto& [slot, m] : records) {
    const LogRecord r = encode_log_record(slot, m, 0);
    image.insert(image.end(), r.begin(), r.end());
  }
  image.resize(image.size() + zeroed * kLogRecordSize, 0);
  return image;
}

TEST_F(MarkLogDamageTest, Format1LogsAreReadAndRewrittenInFormat2) {
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1"), b = request("block_round_1_reproposal");
  const Slot s0 = r0.slot(delegate(0)), sb = b.slot(delegate(1));
  write_file(path(),
             format_1_log(
                 {{s0, signed_mark(r0, 1)}, {sb, signed_mark(b, 3)}, {s0, signed_mark(r1, 2)}}, 5));
  auto c = read_mark_log(path());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->format, 1u);
  EXPECT_EQ(c->records, 3u);
  EXPECT_TRUE(same_mark(c->marks.at(s0), signed_mark(r1, 2)));
  EXPECT_TRUE(same_mark(c->marks.at(sb), signed_mark(b, 3)));
  { MarkLog rewritten(path(), c->marks, options()); }
  const auto again = read_mark_log(path());
  EXPECT_EQ(again->format, 2u);
  EXPECT_EQ(again->marks.size(), 2u);
  EXPECT_TRUE(same_mark(again->marks.at(s0), signed_mark(r1, 2)));

  // Format 1's own rules still apply to it: a torn last record is ignored, damage in the
  // middle refused.
  Bytes torn = format_1_log({{s0, signed_mark(r0, 1)}, {s0, signed_mark(r1, 2)}}, 2);
  torn[kLogHeaderSizeV1 + kLogRecordSize + 7] ^= 1;
  write_file(path(), torn);
  c = read_mark_log(path());
  EXPECT_TRUE(same_mark(c->marks.at(s0), signed_mark(r0, 1)));
  EXPECT_EQ(c->torn_at, kLogHeaderSizeV1 + kLogRecordSize);
  Bytes middle = format_1_log({{s0, signed_mark(r0, 1)}, {s0, signed_mark(r1, 2)}}, 2);
  middle[kLogHeaderSizeV1 + 7] ^= 1;
  write_file(path(), middle);
  EXPECT_EQ(error_of([&] { read_mark_log(path()); }).code(), ErrorCode::Internal);
}

TEST_F(MarkLogDamageTest, UnknownVersionIsRefusedNotMisread) {
  write_text(path(), "{\"NetXdQprcVkpaWU\": {}}");
  EXPECT_NE(
      std::string(error_of([&] { read_mark_log(path()); }).what()).find("not a watermark log"),
      std::string::npos);
  LogHeader h = encode_log_header(0);
  h[8] = 3;
  const std::uint32_t c = crc32c(ByteView(h.data(), 12));
  for (int i = 0; i < 4; ++i) h[12 + i] = static_cast<std::uint8_t>(c >> (8 * i));
  write_file(path(), h);
  EXPECT_NE(std::string(error_of([&] { read_mark_log(path()); }).what()).find("version 3"),
            std::string::npos);
}

TEST_F(MarkLogDamageTest, LaterLowerRecordNeverLowersTheMark) {
  // The writer never appends a lower mark; if a log held one, loading keeps the highest.
  const Request r0 = request("preattestation_mainnet_r0"),
                r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(0));
  const std::size_t size = offset_of(3);
  const LogHeader header = encode_log_header(size);
  Bytes image(header.begin(), header.end());
  for (const LogRecord& r :
       {encode_log_record(slot, signed_mark(r1, 2), 1),
        encode_log_record(slot, signed_mark(r0, 1), 2), encode_log_commit(2)}) {
    image.insert(image.end(), r.begin(), r.end());
  }
  ASSERT_EQ(image.size(), size);
  write_file(path(), image);
  EXPECT_EQ(read_mark_log(path())->marks.at(slot).round, r1.round);
}

}  // namespace
}  // namespace signatory::watermark
