// The opening steps of every request that uses a key (a signature, a proof of possession), in
// Signatory's order, behind one call:
//   1. who is asking: with `server.authorized_keys`, the `authentication` query value must be
//      a signature over 0x04 0x01 ‖ tagged pkh ‖ message by one of them (absent → 401
//      "missing authentication signature field", unreadable → 400, no key verifies → 403
//      "invalid authentication signature"); without it, a verified client certificate whose
//      name is the tz… hash of one of them stands in (first in config order). Each refusal is
//      logged and reported to the AuthObserver as method `authentication`.
//   2. the key must be listed in `tezos:` (403 "<pkh> is not listed in config");
//   3. a key restricted to some JWT users refuses the others (403, key_clients.h).
// The JWT itself is checked before, at the HTTP edge (jwt_auth.h), which hands the user in
// `Client::jwt_user`; the key's own client keys are checked by the policy stage.
//
// Immutable after construction (it borrows the Config, which must outlive it); admit() may run
// on many threads at once.
#pragma once

#include <string>
#include <vector>

#include "auth/auth_observer.h"
#include "auth/client.h"
#include "common/bytes.h"
#include "config/config.h"
#include "tezos/keys.h"

namespace signatory::auth {

struct Admission {
  const config::KeyPolicy& policy;  // the key's policy in `tezos:`
  Identity identity;                // borrows from the Client given to admit()
};

class Authenticator {
 public:
  explicit Authenticator(const config::Config& config, AuthObserver* observer = nullptr);

  // Steps 1–3 above; throws Error (Unauthenticated, BadRequest or Forbidden) naming the
  // refusal.
  Admission admit(const tezos::PublicKeyHash& pkh, ByteView message, const Client& client) const;

  // PKHs of `server.authorized_keys` (GET /authorized_keys), config order.
  const std::vector<tezos::PublicKeyHash>& authorized_key_hashes() const { return hashes_; }

 private:
  std::optional<tezos::PublicKeyHash> authenticate(const tezos::PublicKeyHash& pkh,
                                                   ByteView message, const Client& client) const;

  const config::Config& config_;
  AuthObserver* observer_;
  std::vector<tezos::PublicKeyHash> hashes_;  // parallel to config_.server.authorized_keys
  std::vector<std::string> hash_texts_;       // their tz… forms, for certificate names
};

}  // namespace signatory::auth
