// The built-in allow/deny decision of Signatory's matchFilter (pkg/signatory/signatory.go): may this key, under its policy, sign this
// decoded request for this client? Checks, in order: chain (consensus requests only), client
// key, request kind, every operation of a generic batch. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"

namespace signatory::policy {

struct Denial {
  std::string message;         // exact Signatory text, e.g. "request kind `block' is not allowed"
  std::string violation_type;  // metrics label: the denied kind/op, "authentication", or "" (chain)
};

// nullopt when allowed.
std::optional<Denial> evaluate(const config::KeyPolicy& policy, const tezos::SignRequest& request,
                               const std::optional<tezos::PublicKeyHash>& client);

}  // namespace signatory::policy
