// The binary layout of the file watermark log (docs/watermark-format.md), format 2: a 32-byte
// header (magic, version, the file's size as written, checksums), then fixed-size 176-byte
// slots. A slot is a mark record (type 1, carrying its sequence number: the Nth record of the
// file has number N) or the commit (type 2, carrying how many records precede it), which
// always follows the last durable record; after the commit the file is preallocated zeroes.
// Every slot ends with the CRC-32C of its first 172 bytes. Format 1 (16-byte header, records
// without sequence numbers, no commit) is still read, to migrate logs of earlier versions.
// Integers are little-endian. Pure; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "watermark/core/watermark.h"

namespace signatory::watermark {

inline constexpr std::size_t kLogHeaderSize = 32;    // format 2
inline constexpr std::size_t kLogHeaderSizeV1 = 16;  // format 1
inline constexpr std::size_t kLogRecordSize = 176;   // every slot, in both formats
inline constexpr std::uint32_t kLogFormatVersion = 2;

using LogHeader = std::array<std::uint8_t, kLogHeaderSize>;
using LogRecord = std::array<std::uint8_t, kLogRecordSize>;

// The header of a format-2 file of `file_size` bytes.
LogHeader encode_log_header(std::uint64_t file_size);

struct LogHeaderInfo {
  std::uint32_t version = 0;    // 1 or 2
  std::size_t size = 0;         // of the header: kLogHeaderSizeV1 or kLogHeaderSize
  std::uint64_t file_size = 0;  // format 2: the size the file was written with
};
// Empty string if `data` starts with a good format-1 or format-2 header (filling `info`), else
// what is wrong.
std::string check_log_header(ByteView data, LogHeaderInfo* info);

// A mark record with sequence number `seq` (format 1 records are the same with `seq` 0).
LogRecord encode_log_record(const Slot& slot, const Mark& mark, std::uint32_t seq);
// The commit that follows `records` records.
LogRecord encode_log_commit(std::uint32_t records);

enum class RecordState {
  Empty,        // all zero bytes: preallocated space
  Valid,        // checksum matches
  BadChecksum,  // torn (interrupted write) or corrupted
};
// `record` must be kLogRecordSize bytes.
RecordState classify_log_record(ByteView record);

struct LogSlot {
  bool commit = false;    // a commit, else a mark record
  std::uint32_t seq = 0;  // a record's sequence number, or the commit's count of records
  Slot slot;              // records only
  Mark mark;              // records only
};
// Decodes a slot whose checksum matches, of a file of format `version`. Throws Error(500)
// naming the field if it holds a value that version never writes (unknown type, kind,
// signature form or flag, non-zero reserved bytes, a commit in format 1).
LogSlot decode_log_slot(ByteView record, std::uint32_t version);

}  // namespace signatory::watermark
