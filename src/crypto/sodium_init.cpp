// One-time libsodium initialisation (see sodium_init.h).
#include "crypto/sodium_init.h"

#include <sodium.h>

#include "common/error.h"

namespace signatory::crypto {

void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;  // C++ guarantees a thread-safe one-time init
  if (!ok) throw internal_error("cannot initialise libsodium");
}

}  // namespace signatory::crypto
