// What every fuzz target shares: the input as a byte view or text, and `fuzz_check`, which
// aborts (so libFuzzer records a crash and the input) when an invariant a target checks on
// accepted input does not hold. A parser may reject input only with signatory::Error: any
// other exception escapes the target and is reported as a crash too. Single-threaded use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/bytes.h"

namespace signatory::fuzz {

inline ByteView bytes_of(const std::uint8_t* data, std::size_t size) { return ByteView(data, size); }

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

inline void fuzz_check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace signatory::fuzz
