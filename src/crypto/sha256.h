// SHA-256, as base58check uses it (double SHA-256 checksum) and as HMAC/DER code may need it.
// Pure; thread-safe.
#pragma once

#include "common/bytes.h"
#include "crypto/blake2b.h"

namespace signatory::crypto {

Digest32 sha256(ByteView data);

}  // namespace signatory::crypto
