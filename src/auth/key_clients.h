// Which clients one key admits: the per-key restrictions of `tezos.<pkh>`, `jwt_users` (only
// those JWT users) and `authorized_keys` (only clients authenticated by one of those keys).
// Each check answers nullopt when the key admits the client, else Signatory's exact refusal
// text. They run at different stages, as in Signatory: the JWT users before the request is
// decoded (Authenticator::admit), the client keys inside the policy decision, after the chain
// check (policy::evaluate). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "auth/client.h"
#include "config/config.h"
#include "tezos/keys.h"

namespace signatory::auth {

// "user `<u>' is not authorized to access <pkh>" when the key names JWT users and the
// request's user is not one of them. A request without a JWT user passes.
std::optional<std::string> jwt_user_refusal(const config::KeyPolicy& policy,
                                            const tezos::PublicKeyHash& pkh,
                                            const Identity& identity);

// "authentication required" when the key names client keys and the request was not
// authenticated; "client `<tz…>' is not allowed" when its client key is not one of them.
std::optional<std::string> client_key_refusal(const config::KeyPolicy& policy,
                                              const Identity& identity);

}  // namespace signatory::auth
