// What the Signer reports about each request, for metrics; refused client authentications come
// through the auth::AuthObserver it extends. The server's metrics registry implements it; the
// Signer calls it from request threads, so implementations must be thread-safe. All methods
// have empty defaults.
#pragma once

#include <string>

#include "auth/auth_observer.h"
#include "common/error.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"

namespace signatory::signer {

class SignObserver : public auth::AuthObserver {
 public:
  // A request was signed by `vault` (its Vault::type_label()).
  virtual void signed_request(const tezos::PublicKeyHash&, const tezos::SignRequest&,
                              const std::string& /*vault*/, double /*vault_ms*/) {}
  // Policy refused it; `violation_type` is the denied kind/op or "authentication".
  virtual void policy_violation(const tezos::PublicKeyHash&, const std::string& /*violation*/) {}
  virtual void watermark_rejected(const tezos::PublicKeyHash&, const tezos::SignRequest&) {}
  // The vault (its Vault::type_label()) failed to sign; `code` is what the client is answered.
  virtual void vault_error(const std::string& /*vault*/, ErrorCode /*code*/,
                           const tezos::SignRequest&) {}
  // A stage finished, for the per-stage latency histogram: decode, policy, watermark, vault.
  virtual void stage(const char* /*name*/, double /*seconds*/) {}
};

}  // namespace signatory::signer
