// Per-key client restrictions (see key_clients.h).
#include "auth/key_clients.h"

#include <algorithm>

namespace signatory::auth {

std::optional<std::string> jwt_user_refusal(const config::KeyPolicy& policy,
                                            const tezos::PublicKeyHash& pkh,
                                            const Identity& identity) {
  if (!identity.jwt_user || !policy.jwt_users) return std::nullopt;
  const auto& users = *policy.jwt_users;
  if (std::find(users.begin(), users.end(), *identity.jwt_user) != users.end()) return std::nullopt;
  return "user `" + std::string(*identity.jwt_user) + "' is not authorized to access " +
         pkh.to_base58();
}

std::optional<std::string> client_key_refusal(const config::KeyPolicy& policy,
                                              const Identity& identity) {
  if (!policy.authorized_keys) return std::nullopt;
  if (!identity.client_key) return std::string("authentication required");
  const auto& keys = *policy.authorized_keys;
  const bool known = std::any_of(keys.begin(), keys.end(), [&](const tezos::PublicKey& key) {
    return key.hash() == *identity.client_key;
  });
  if (known) return std::nullopt;
  return "client `" + identity.client_key->to_base58() + "' is not allowed";
}

}  // namespace signatory::auth
