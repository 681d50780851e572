// Standard base64 and unpadded base64url (see base64.h): one encoder and one decoder, told
// the alphabet and whether padding is part of the form.
#include "common/base64.h"

#include <cstdint>

namespace signatory {
namespace {

struct Form {
  const char* alphabet;  // 64 characters; the last two differ between the forms
  bool padded;
};

constexpr Form kStandard{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true};
constexpr Form kUrl{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false};

int sextet(const Form& form, char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == form.alphabet[62]) return 62;
  if (c == form.alphabet[63]) return 63;
  return -1;
}

std::string encode(const Form& form, ByteView data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  const char* a = form.alphabet;
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    out += a[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 0) return out;
  std::uint32_t v = std::uint32_t{data[i]} << 16;
  if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
  out += a[(v >> 18) & 63];
  out += a[(v >> 12) & 63];
  if (rest == 2) out += a[(v >> 6) & 63];
  if (form.padded) out.append(3 - rest, '=');
  return out;
}

std::optional<Bytes> decode(const Form& form, std::string_view text) {
  std::string_view body = text;
  if (form.padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    while (padding < 2 && !body.empty() && body.back() == '=') {
      body.remove_suffix(1);
      ++padding;
    }
    // Exactly the padding that completes the last quantum ("xx==", "xxx=").
    if ((4 - body.size() % 4) % 4 != padding) return std::nullopt;
  }
  if (body.size() % 4 == 1) return std::nullopt;  // no byte string has this length
  Bytes out;
  out.reserve(body.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    const int v = sextet(form, c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical
  return out;
}

}  // namespace

std::string base64_encode(ByteView data) {
  return encode(kStandard, data);
}

std::optional<Bytes> base64_decode(std::string_view text) {
  return decode(kStandard, text);
}

std::string base64url_encode(ByteView data) {
  return encode(kUrl, data);
}

std::optional<Bytes> base64url_decode(std::string_view text) {
  return decode(kUrl, text);
}

}  // namespace signatory
