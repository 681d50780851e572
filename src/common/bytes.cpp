// Hex encoding and decoding for byte strings (see bytes.h).
#include "common/bytes.h"

#include <cstdio>

#include "common/error.h"

namespace signatory {

std::string to_hex(ByteView bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Bytes from_hex(std::string_view hex) {
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (hex_value(hex[i]) < 0) {
      char buf[96];
      unsigned char c = static_cast<unsigned char>(hex[i]);
      if (c >= 0x20 && c < 0x7f)
        std::snprintf(buf, sizeof buf, "invalid hex: bad character '%c' at offset %zu", c, i);
      else
        std::snprintf(buf, sizeof buf, "invalid hex: bad byte 0x%02x at offset %zu", c, i);
      throw bad_request(buf);
    }
  }
  if (hex.size() % 2 != 0) throw bad_request("invalid hex: odd length " + std::to_string(hex.size()));
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
  return out;
}

}  // namespace signatory
