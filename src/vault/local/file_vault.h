// Driver `file`: an octez `secret_keys` file (`[{"name": "alias", "value":
// "unencrypted:edsk…"}, {"name": …, "value": "encrypted:edesk…"}]`), as octez-client writes it.
//
// Config: a path, or `{file: <path>, password_file: <path>, password_env: <VAR>}`; `$VAR` is
// expanded in paths. An encrypted key is unlocked with the password from `password_file` (first
// line) or the `password_env` variable, else by a TTY prompt; a key that cannot be unlocked is
// skipped with an error log. Import and generate append to the file (mode 0600, through the
// file seam's atomic replace, common/file_env.h): every entry read from it is written back
// byte for byte (encrypted keys stay encrypted, entries this vault cannot use are kept); a new
// key is written encrypted with the vault's password (octez's scheme, readable by
// octez-client) when it has one, in plain text with a warning when it has none. list() and
// signing are thread-safe.
#pragma once

#include <memory>

#include "vault/registry.h"

namespace signatory::vault {

std::unique_ptr<Vault> open_file_vault(const config::VaultConfig& cfg, const VaultContext& ctx);

}  // namespace signatory::vault
