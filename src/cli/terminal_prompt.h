// Asking the operator for a secret on the controlling terminal without echo (passwords,
// secret keys). Returns the answer in SecretBytes; the line buffer is wiped. Used only from the
// CLI and at start-up; not thread-safe.
#pragma once

#include <string>

#include "crypto/secret_bytes.h"

namespace signatory::cli {

bool stdin_is_terminal();
// Prints `prompt` to stderr and reads one line from stdin with echo off. Throws Error(BadRequest)
// when stdin is closed.
crypto::SecretBytes prompt_secret(const std::string& prompt);

}  // namespace signatory::cli
