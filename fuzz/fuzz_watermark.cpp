// libFuzzer target: the readers of watermark files, which a crash, a full disk or a hand edit
// may have damaged. The first input byte picks what the rest is:
//   0  a `file` backend log as found on disk (watermark::read_mark_log, through a file in
//      /dev/shm or $TMPDIR),
//   1  the same with the header and record checksums fixed up first, so that the fuzzer
//      reaches the record decoder; a log that is read must, once rewritten by MarkLog
//      (compaction), read back to the same marks,
//   2  one record (zero-padded, checksum fixed up): decoding, encoding and decoding again
//      must give the same slot and mark,
//   3  a Signatory v2 `watermark_v2/<chain>.json` file (parse_signatory_v2_file).
// Rejections must be signatory::Error.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "fuzz_support.h"
#include "watermark/file/crc32c.h"
#include "watermark/file/mark_log.h"
#include "watermark/file/mark_record.h"
#include "watermark/transfer/signatory_v2_import.h"

using namespace signatory;
using namespace signatory::watermark;

namespace {

std::string scratch_path(const char* name) {
  const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/signatory-fuzz-" + std::to_string(getpid()) + "-" + name;
}

const std::string& log_path() {
  static const std::string path = scratch_path("read.log");
  return path;
}
const std::string& compacted_path() {
  static const std::string path = scratch_path("compacted.log");
  return path;
}

void remove_scratch() {
  std::remove(log_path().c_str());
  std::remove(compacted_path().c_str());
}

void write_file(const std::string& path, ByteView data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  fuzz::fuzz_check(f != nullptr, "cannot create the scratch file");
  fuzz::fuzz_check(std::fwrite(data.data(), 1, data.size(), f) == data.size(), "cannot write the scratch file");
  std::fclose(f);
}

void put_crc(std::uint8_t* at, ByteView covered) {
  const std::uint32_t crc = crc32c(covered);
  for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

bool same_mark(const Mark& a, const Mark& b) {
  return a.level == b.level && a.round == b.round && a.digest == b.digest && a.signature == b.signature;
}

void check_log(ByteView file, bool fix_checksums) {
  Bytes data(file.begin(), file.end());
  if (fix_checksums && data.size() >= kLogHeaderSize) {
    put_crc(data.data() + 12, ByteView(data.data(), 12));
    for (std::size_t pos = kLogHeaderSize; pos + kLogRecordSize <= data.size(); pos += kLogRecordSize) {
      std::uint8_t* r = data.data() + pos;
      bool zero = true;
      for (std::size_t i = 0; i < kLogRecordSize - 4 && zero; ++i) zero = r[i] == 0;
      if (!zero) put_crc(r + kLogRecordSize - 4, ByteView(r, kLogRecordSize - 4));
    }
  }
  write_file(log_path(), data);
  try {
    const std::optional<MarkLogContents> contents = read_mark_log(log_path());
    fuzz::fuzz_check(contents.has_value(), "existing log read as missing");
    fuzz::fuzz_check(contents->marks.size() <= contents->records, "more marks than records");
    if (!fix_checksums || contents->marks.empty()) return;
    {
      MarkLogOptions options;
      options.preallocate_records = contents->marks.size();
      MarkLog rewritten(compacted_path(), contents->marks, options);
    }
    const std::optional<MarkLogContents> again = read_mark_log(compacted_path());
    fuzz::fuzz_check(again.has_value() && !again->torn_at, "compacted log does not read back whole");
    fuzz::fuzz_check(again->marks.size() == contents->marks.size(), "compaction changed the number of marks");
    for (const auto& [slot, mark] : contents->marks) {
      const auto it = again->marks.find(slot);
      fuzz::fuzz_check(it != again->marks.end() && same_mark(it->second, mark), "compaction changed a mark");
    }
  } catch (const Error&) {
  }
}

void check_record(ByteView bytes) {
  LogRecord record{};
  for (std::size_t i = 0; i < bytes.size() && i < kLogRecordSize - 4; ++i) record[i] = bytes[i];
  put_crc(record.data() + kLogRecordSize - 4, ByteView(record.data(), kLogRecordSize - 4));
  if (classify_log_record(record) != RecordState::Valid) return;
  try {
    const auto [slot, mark] = decode_log_record(record);
    const LogRecord encoded = encode_log_record(slot, mark);
    fuzz::fuzz_check(classify_log_record(encoded) == RecordState::Valid, "encoded record has a bad checksum");
    const auto [slot2, mark2] = decode_log_record(encoded);
    fuzz::fuzz_check(slot2 == slot && same_mark(mark2, mark), "record does not round-trip");
  } catch (const Error&) {
  }
}

void check_signatory_v2(std::string_view json) {
  static const tezos::ChainId chain = tezos::ChainId::parse("NetXdQprcVkpaWU");
  try {
    for (const auto& [slot, mark] : parse_signatory_v2_file(chain, json, "NetXdQprcVkpaWU.json")) {
      fuzz::fuzz_check(slot.chain == chain, "mark of another chain");
      (void)mark;
    }
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::atexit(remove_scratch);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest = fuzz::bytes_of(data + 1, size - 1);
  switch (data[0] & 3) {
    case 0:
      check_log(rest, false);
      break;
    case 1:
      check_log(rest, true);
      break;
    case 2:
      check_record(rest);
      break;
    default:
      check_signatory_v2(fuzz::text_of(data + 1, size - 1));
      break;
  }
  return 0;
}
