// The binary layout of the file watermark log (docs/watermark-format.md): a 16-byte file
// header, then fixed-size 176-byte records, one per accepted mark, each ending with the
// CRC-32C of its first 172 bytes. A record of all zero bytes is preallocated space (end of
// log); record type 0 is never written. Integers are little-endian. Pure; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "common/bytes.h"
#include "watermark/core/watermark.h"

namespace signatory::watermark {

inline constexpr std::size_t kLogHeaderSize = 16;
inline constexpr std::size_t kLogRecordSize = 176;
inline constexpr std::uint32_t kLogFormatVersion = 1;

using LogHeader = std::array<std::uint8_t, kLogHeaderSize>;
using LogRecord = std::array<std::uint8_t, kLogRecordSize>;

LogHeader encode_log_header();
// Empty string if `header` is a version-1 header with a good checksum, else what is wrong.
std::string check_log_header(ByteView header);

LogRecord encode_log_record(const Slot& slot, const Mark& mark);

enum class RecordState {
  Empty,        // all zero bytes: preallocated space, the end of the log
  Valid,        // checksum matches
  BadChecksum,  // torn (interrupted write) or corrupted
};
// `record` must be kLogRecordSize bytes.
RecordState classify_log_record(ByteView record);

// Decodes a record whose checksum matches. Throws Error(500) naming the field if it holds a
// value this version never writes (unknown record type, kind, signature form or flag).
std::pair<Slot, Mark> decode_log_record(ByteView record);

}  // namespace signatory::watermark
