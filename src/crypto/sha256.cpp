// SHA-256 through libsodium (see sha256.h).
#include "crypto/sha256.h"

#include <sodium.h>

#include "crypto/sodium_init.h"

namespace signatory::crypto {

Digest32 sha256(ByteView data) {
  ensure_sodium();
  Digest32 out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

}  // namespace signatory::crypto
