// Who is asking for a signature: `Client` is what the transport knows about the caller (its
// address, the `authentication` query value, the user of a JWT the server verified, the names
// of a verified TLS client certificate); `Identity` is who the Authenticator recognised in it.
// Plain values, filled per request; an Identity borrows from the Client it was made from and
// lives no longer than it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tezos/keys.h"

namespace signatory::auth {

struct Client {
  std::string address;                        // IP of the peer, for logs and metrics
  std::optional<std::string> authentication;  // the `authentication` query value (base58 sig)
  std::optional<std::string> jwt_user;        // the user of a verified JWT
  // Names of a client certificate verified against `server.tls.client_ca` (subject CN, then
  // DNS and URI subject alternative names). When no `authentication` value is sent, a name
  // equal to the tz… hash of one of `server.authorized_keys` authenticates the request as
  // that key (first match in config order).
  std::vector<std::string> certificate_names;
};

struct Identity {
  // The authorized key that signed the request (or that a client certificate named); empty
  // when `server.authorized_keys` is empty.
  std::optional<tezos::PublicKeyHash> client_key;
  std::optional<std::string_view> jwt_user;  // the JWT user, as the server verified it
};

}  // namespace signatory::auth
