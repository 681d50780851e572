// Turning the text of a local secret key (`edsk…`, or `edesk…` and friends) into a usable
// tezos::SecretKey, asking for the password of an encrypted key from a configured source or
// the operator's terminal. Used by the file and mem vaults. Not thread-safe (start-up only).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.h"
#include "tezos/keys.h"

namespace signatory::vault {

struct PasswordSource {
  std::optional<crypto::SecretBytes> password;  // from password_file / password_env
  std::function<crypto::SecretBytes(const std::string& prompt)> prompt;  // TTY, may be empty
};

// Throws Error naming `key_name` (never the key text) when the key cannot be parsed or
// unlocked. `vault_display` is the vault's display name used in the prompt: `(File): Enter
// password to unlock key `<name>': `.
tezos::SecretKey unlock_secret_key(std::string_view text, const std::string& key_name,
                                   const PasswordSource& source, const std::string& vault_display);

}  // namespace signatory::vault
