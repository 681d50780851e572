// BLAKE2b-160/256 through libsodium's crypto_generichash (see blake2b.h).
#include "crypto/blake2b.h"

#include <sodium.h>

#include "common/error.h"
#include "crypto/sodium_init.h"

namespace signatory::crypto {

namespace {
template <std::size_t N>
std::array<std::uint8_t, N> blake2b(ByteView data) {
  ensure_sodium();
  std::array<std::uint8_t, N> out{};
  if (crypto_generichash(out.data(), N, data.data(), data.size(), nullptr, 0) != 0)
    throw internal_error("blake2b failed");
  return out;
}
}  // namespace

Digest32 blake2b_256(ByteView data) {
  return blake2b<32>(data);
}
Digest20 blake2b_160(ByteView data) {
  return blake2b<20>(data);
}

}  // namespace signatory::crypto
