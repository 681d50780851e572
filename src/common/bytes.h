// Byte strings and their hex form. `Bytes` owns; `ByteView` borrows. Hex decoding accepts
// upper and lower case and reports the first bad character and its offset. Pure functions;
// safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signatory {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

std::string to_hex(ByteView bytes);

// Throws Error(BadRequest) naming the offending character and its offset, or an odd length.
Bytes from_hex(std::string_view hex);

inline ByteView as_view(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace signatory
