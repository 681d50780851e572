// What the auth module reports for metrics: each refused authentication, with the error code
// the client is answered, the method (`authentication` for an authorized-key signature,
// `jwt` for a token or a login) and the client's address. The server's metrics registry
// implements it (through signer::SignObserver); calls come from request threads, so
// implementations must be thread-safe. The default does nothing.
#pragma once

#include <string>

#include "common/error.h"

namespace signatory::auth {

class AuthObserver {
 public:
  virtual ~AuthObserver() = default;
  virtual void authentication_failed(ErrorCode /*code*/, const std::string& /*method*/,
                                     const std::string& /*client_ip*/) {}
};

}  // namespace signatory::auth
