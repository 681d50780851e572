// Writing an octez `secret_keys` file: the JSON array octez-client keeps,
//   [
//     {
//       "name": "alias",
//       "value": "unencrypted:edsk…" | "encrypted:edesk…" | any other octez key URI
//     }
//   ]
// written through the file seam's atomic replace (common/file_env.h: temporary file, write
// loop, fsync, rename, directory fsync) with mode 0600, so that at every instant the file holds
// either its old content or the whole new one. Values are written exactly as given (a key read
// from the file goes back byte for byte); the document text, which may hold unencrypted
// secrets, is wiped from memory after the write. Free function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/file_env.h"
#include "crypto/secret_bytes.h"

namespace signatory::vault {

struct SecretKeyEntry {
  std::string name;           // the alias
  crypto::SecretBytes value;  // the `value` string, e.g. "encrypted:edesk…"
};

// Throws Error(500) "cannot write <path>: <step> <file>: <reason>" if the file cannot be
// replaced; it is then left as it was.
void write_secret_keys_file(FileEnv& env, const std::string& path,
                            const std::vector<SecretKeyEntry>& entries);

}  // namespace signatory::vault
