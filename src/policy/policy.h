// The built-in allow/deny decision of Signatory's matchFilter (pkg/signatory/signatory.go): may
// this key, under its policy, sign this decoded request for this client? Checks, in order:
// chain (consensus requests only), the key's client keys (auth/key_clients.h), request kind,
// every operation of a generic batch. The key's JWT users were checked before decoding
// (auth/authenticator.h), as in Signatory. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "auth/client.h"
#include "config/config.h"
#include "tezos/sign_request.h"

namespace signatory::policy {

struct Denial {
  std::string message;         // exact Signatory text, e.g. "request kind `block' is not allowed"
  std::string violation_type;  // metrics label: the denied kind/op, "authentication", or "" (chain)
};

// nullopt when allowed. `client` is who the Authenticator recognised.
std::optional<Denial> evaluate(const config::KeyPolicy& policy, const tezos::SignRequest& request,
                               const auth::Identity& client);

}  // namespace signatory::policy
