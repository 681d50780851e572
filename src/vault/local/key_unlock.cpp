// Unlocking local secret keys (see key_unlock.h).
#include "vault/local/key_unlock.h"

#include "common/error.h"

namespace signatory::vault {

tezos::SecretKey unlock_secret_key(std::string_view text, const std::string& key_name,
                                   const PasswordSource& source, const std::string& vault_display) {
  try {
    if (!tezos::SecretKey::is_encrypted(text)) return tezos::SecretKey::parse(text);
    if (source.password) return tezos::SecretKey::decrypt(text, source.password->as_string());
    if (!source.prompt)
      throw bad_request("key is encrypted and no password is configured (set password_file or "
                        "password_env, or run on a terminal)");
    crypto::SecretBytes pw =
        source.prompt("(" + vault_display + "): Enter password to unlock key `" + key_name + "': ");
    return tezos::SecretKey::decrypt(text, pw.as_string());
  } catch (const Error& e) {
    throw Error(e.code(), "key `" + key_name + "': " + e.what());
  }
}

}  // namespace signatory::vault
