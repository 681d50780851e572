// Bounds-checked reading of Octez data-encoding primitives (see byte_reader.h).
#include "tezos/byte_reader.h"

#include <cstdio>
#include <limits>

#include "common/error.h"

namespace signatory::tezos {

ByteReader::ByteReader(ByteView message, std::string_view context)
    : ByteReader(message, 0, message.size(), context) {}

void ByteReader::fail(std::size_t at, const std::string& message) const {
  throw bad_request("invalid " + std::string(context_) + " at offset " + std::to_string(at) + ": " +
                    message);
}

void ByteReader::need(std::size_t n, std::string_view field) const {
  if (n > remaining()) {
    throw bad_request("truncated " + std::string(context_) + " at offset " + std::to_string(pos_) +
                      ": need " + std::to_string(n) + " bytes for " + std::string(field) + ", " +
                      std::to_string(remaining()) + " left");
  }
}

ByteView ByteReader::bytes(std::size_t n, std::string_view field) {
  need(n, field);
  ByteView out = message_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::uint8_t ByteReader::u8(std::string_view field) {
  return bytes(1, field)[0];
}

std::uint16_t ByteReader::u16(std::string_view field) {
  ByteView b = bytes(2, field);
  return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

std::int16_t ByteReader::i16(std::string_view field) {
  return static_cast<std::int16_t>(u16(field));
}

std::int32_t ByteReader::i32(std::string_view field) {
  ByteView b = bytes(4, field);
  std::uint32_t v = std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 |
                    std::uint32_t{b[2]} << 8 | std::uint32_t{b[3]};
  return static_cast<std::int32_t>(v);
}

std::int32_t ByteReader::non_negative_i32(std::string_view field) {
  std::size_t at = pos_;
  std::int32_t v = i32(field);
  if (v < 0) fail(at, std::string(field) + " " + std::to_string(v) + " is negative");
  return v;
}

std::int32_t ByteReader::i31(std::string_view field) {
  std::size_t at = pos_;
  std::int32_t v = i32(field);
  if (v < -(1 << 30) || v > (1 << 30) - 1)
    fail(at, std::string(field) + " " + std::to_string(v) + " is out of the int31 range");
  return v;
}

std::int64_t ByteReader::i64(std::string_view field) {
  ByteView b = bytes(8, field);
  std::uint64_t v = 0;
  for (std::uint8_t byte : b) v = v << 8 | byte;
  return static_cast<std::int64_t>(v);
}

std::size_t ByteReader::length_prefix(std::string_view field) {
  std::size_t at = pos_;
  std::uint32_t n = static_cast<std::uint32_t>(i32(field));
  if (n > (1u << 30) - 1) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", n);
    fail(at, std::string(field) + ": length prefix " + hex + " is above the uint30 range");
  }
  if (n > remaining()) {
    fail(at, std::string(field) + ": length prefix " + std::to_string(n) + " overruns the " +
                 std::to_string(remaining()) + " bytes left");
  }
  return n;
}

ByteReader ByteReader::window(std::size_t n, std::string_view field) {
  need(n, field);
  ByteReader inner(message_, pos_, pos_ + n, context_);
  pos_ += n;
  return inner;
}

ByteReader ByteReader::length_prefixed(std::string_view field) {
  std::size_t n = length_prefix(field);
  return window(n, field);
}

void ByteReader::expect_end(std::string_view field) const {
  if (!at_end())
    fail(pos_, std::to_string(remaining()) + (remaining() == 1 ? " extra byte" : " extra bytes") +
                   " inside " + std::string(field));
}

Zarith ByteReader::zarith(bool is_signed, std::string_view field, std::size_t max_bytes) {
  const std::size_t start = pos_;
  Zarith z;
  unsigned shift = 0;
  for (;;) {
    std::uint8_t b = u8(field);
    ++z.length;
    std::uint64_t chunk;
    unsigned bits;
    if (z.length == 1 && is_signed) {
      z.negative = (b & 0x40) != 0;
      chunk = b & 0x3f;
      bits = 6;
    } else {
      chunk = b & 0x7f;
      bits = 7;
    }
    if (chunk != 0) {
      if (shift >= 64 || (chunk << shift) >> shift != chunk)
        z.fits_u64 = false;
      else
        z.magnitude |= chunk << shift;
    }
    shift = shift + bits > 64 ? 64 : shift + bits;
    if (max_bytes != 0 && z.length > max_bytes)
      fail(start, std::string(field) + ": Zarith number longer than " + std::to_string(max_bytes) +
                      " bytes");
    if ((b & 0x80) == 0) {
      if (z.length > 1 && b == 0)
        fail(start, std::string(field) + ": Zarith number with a trailing zero byte");
      break;
    }
  }
  if (!z.fits_u64) z.magnitude = 0;
  return z;
}

Zarith ByteReader::zarith_n(std::string_view field, std::size_t max_bytes) {
  return zarith(false, field, max_bytes);
}

Zarith ByteReader::zarith_z(std::string_view field, std::size_t max_bytes) {
  return zarith(true, field, max_bytes);
}

std::int64_t ByteReader::mutez(std::string_view field) {
  std::size_t at = pos_;
  Zarith z = zarith_n(field, 10);
  if (!z.fits_u64 ||
      z.magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail(at, std::string(field) + ": mutez amount does not fit a signed 64-bit integer");
  return static_cast<std::int64_t>(z.magnitude);
}

bool ByteReader::presence(std::string_view field) {
  std::size_t at = pos_;
  std::uint8_t b = u8(field);
  if (b == 0x00) return false;
  if (b == 0xff) return true;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", b);
  fail(at, std::string(field) + ": presence byte " + hex + " is neither 0x00 nor 0xff");
}

bool ByteReader::boolean(std::string_view field) {
  std::size_t at = pos_;
  std::uint8_t b = u8(field);
  if (b == 0x00) return false;
  if (b == 0xff) return true;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", b);
  fail(at, std::string(field) + ": boolean byte " + hex + " is neither 0x00 nor 0xff");
}

}  // namespace signatory::tezos
