// libFuzzer target: the readers of watermark files, which a crash, a full disk or a hand edit
// may have damaged. The first input byte picks what the rest is:
//   0  a `file` backend log as found on disk (watermark::read_mark_log, through a file in
//      /dev/shm or $TMPDIR),
//   1  the same with the header's checksums and file size (format 2) and the slot checksums
//      fixed up first, so that the fuzzer reaches the record decoder and the end-of-log rules;
//      a log that is read must, once rewritten by MarkLog (compaction), read back to the same
//      marks; the salvage reading must not throw on damage and must keep at least the marks of
//      a strict reading,
//   2  one slot (zero-padded, checksum fixed up): decoding, encoding and decoding again
//      must give the same record or commit,
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
#include "watermark/core/watermark_rule.h"
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
  std::size_t slots_from = kLogHeaderSizeV1;
  if (fix_checksums && data.size() >= kLogHeaderSizeV1) {
    put_crc(data.data() + 12, ByteView(data.data(), 12));
    if (data[8] == 2 && data.size() >= kLogHeaderSize) {
      const std::uint64_t size = data.size();
      for (int i = 0; i < 8; ++i) data[16 + i] = static_cast<std::uint8_t>(size >> (8 * i));
      put_crc(data.data() + 28, ByteView(data.data(), 28));
      slots_from = kLogHeaderSize;
    }
    for (std::size_t pos = slots_from; pos + kLogRecordSize <= data.size(); pos += kLogRecordSize) {
      std::uint8_t* r = data.data() + pos;
      bool zero = true;
      for (std::size_t i = 0; i < kLogRecordSize - 4 && zero; ++i) zero = r[i] == 0;
      if (!zero) put_crc(r + kLogRecordSize - 4, ByteView(r, kLogRecordSize - 4));
    }
  }
  write_file(log_path(), data);
  std::optional<MarkLogContents> contents;
  try {
    contents = read_mark_log(log_path());
  } catch (const Error&) {
  }
  std::optional<MarkLogContents> salvaged;
  try {
    salvaged = read_mark_log(log_path(), default_file_env(), LogReading::Salvage);
  } catch (const Error&) {
    fuzz::fuzz_check(false, "salvage reading threw");
  }
  fuzz::fuzz_check(salvaged.has_value(), "existing log salvaged as missing");
  if (!contents) return;
  fuzz::fuzz_check(contents->marks.size() <= contents->records, "more marks than records");
  fuzz::fuzz_check(salvaged->damage.empty(), "strict reading accepted what salvage calls damage");
  for (const auto& [slot, mark] : contents->marks) {
    const auto it = salvaged->marks.find(slot);
    fuzz::fuzz_check(it != salvaged->marks.end() && !above(mark.level, mark.round, it->second),
                     "salvage lost or lowered a mark");
  }
  if (!fix_checksums || contents->marks.empty()) return;
  try {
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
    const LogSlot decoded = decode_log_slot(record, kLogFormatVersion);
    const LogRecord encoded = decoded.commit ? encode_log_commit(decoded.seq)
                                             : encode_log_record(decoded.slot, decoded.mark, decoded.seq);
    fuzz::fuzz_check(classify_log_record(encoded) == RecordState::Valid, "encoded slot has a bad checksum");
    const LogSlot again = decode_log_slot(encoded, kLogFormatVersion);
    fuzz::fuzz_check(again.commit == decoded.commit && again.seq == decoded.seq, "slot does not round-trip");
    fuzz::fuzz_check(decoded.commit || (again.slot == decoded.slot && same_mark(again.mark, decoded.mark)),
                     "record does not round-trip");
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
