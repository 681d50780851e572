// A bounds-checked cursor over the bytes of a sign request, reading Octez data-encoding
// primitives: big-endian fixed-size integers, uint30 length prefixes, Zarith naturals (N) and
// integers (Z) with Octez's canonical-form checks, and 00/ff presence bytes.
//
// A reader sees a window [begin, end) of the whole message; offsets in errors are absolute (the
// magic byte is offset 0), so a nested window (a length-prefixed field) reports where in the
// request the problem is. Every read either succeeds inside the window or throws Error(BadRequest)
// naming the object being decoded (the "context", e.g. "transaction"), the field, the offset and
// how many bytes were needed and left. Nothing is ever read outside the window.
//
// A reader borrows the message; it must not outlive it. Not thread-safe (a cursor); distinct
// readers over the same bytes may be used from different threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace signatory::tezos {

// A Zarith number as read from the wire: its sign, and its magnitude if that fits 64 bits.
struct Zarith {
  bool negative = false;
  bool fits_u64 = true;
  std::uint64_t magnitude = 0;  // meaningful only when fits_u64
  std::size_t length = 0;       // bytes on the wire
};

class ByteReader {
 public:
  // A reader over the whole message.
  ByteReader(ByteView message, std::string_view context);

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return end_ - pos_; }
  bool at_end() const { return pos_ == end_; }
  std::string_view context() const { return context_; }
  // Names the object being decoded in later errors; `context` must outlive the reader.
  void set_context(std::string_view context) { context_ = context; }

  std::uint8_t u8(std::string_view field);
  std::uint16_t u16(std::string_view field);
  std::int16_t i16(std::string_view field);
  std::int32_t i32(std::string_view field);
  // An int32 that must be >= 0 (levels, rounds).
  std::int32_t non_negative_i32(std::string_view field);
  // Octez int31: an int32 in -2^30 .. 2^30-1.
  std::int32_t i31(std::string_view field);
  std::int64_t i64(std::string_view field);
  // `n` raw bytes, returned as a view into the message.
  ByteView bytes(std::size_t n, std::string_view field);
  void skip(std::size_t n, std::string_view field) { (void)bytes(n, field); }

  // A 4-byte uint30 length (top two bits clear) that fits in what is left of the window.
  std::size_t length_prefix(std::string_view field);
  // Consumes `n` bytes of this window and returns a reader over exactly them.
  ByteReader window(std::size_t n, std::string_view field);
  // uint30 length ‖ that many bytes, as a reader over those bytes.
  ByteReader length_prefixed(std::string_view field);
  // Throws unless the window has been used up exactly ("N extra bytes inside <field>").
  void expect_end(std::string_view field) const;

  // Zarith natural / integer. Rejects a trailing zero byte (non-canonical) and, when
  // `max_bytes` is non-zero, an encoding longer than that (Octez check_size).
  Zarith zarith_n(std::string_view field, std::size_t max_bytes = 0);
  Zarith zarith_z(std::string_view field, std::size_t max_bytes = 0);
  // A mutez amount: N of at most 10 bytes that fits a signed int64.
  std::int64_t mutez(std::string_view field);

  // Presence byte of an optional field: 00 absent, ff present; anything else is refused
  // (Octez reads any non-zero byte as present, Taquito anything but ff as absent).
  bool presence(std::string_view field);
  // A boolean byte: 00 false, ff true; anything else is refused for the same reason.
  bool boolean(std::string_view field);

  // An Error(BadRequest) "<message> at offset <offset>" naming the context, for checks done by
  // callers.
  [[noreturn]] void fail(std::size_t at, const std::string& message) const;

 private:
  ByteReader(ByteView message, std::size_t begin, std::size_t end, std::string_view context)
      : message_(message), pos_(begin), end_(end), context_(context) {}
  void need(std::size_t n, std::string_view field) const;
  Zarith zarith(bool is_signed, std::string_view field, std::size_t max_bytes);

  ByteView message_;
  std::size_t pos_;
  std::size_t end_;
  std::string_view context_;
};

}  // namespace signatory::tezos
