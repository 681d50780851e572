// Reading a file that holds secrets (a PEM private key, a password) straight into SecretBytes:
// the bytes pass through no std::string or stream buffer that would outlive the call unwiped.
// Regular files, pipes and process substitutions (`-f <(…)`) alike. Thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "crypto/secret_bytes.h"

namespace signatory::crypto {

// The whole content of `path`. Throws Error(400) naming the path and the reason when it cannot
// be read or is larger than `limit` bytes.
SecretBytes read_secret_file(const std::string& path, std::size_t limit = 1 << 20);

}  // namespace signatory::crypto
