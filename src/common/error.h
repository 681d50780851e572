// The one error type of the signer. Domain code throws `Error` with the HTTP status a client
// should see and a message a user can act on; the API edge turns it into the Tezos JSON error
// body. A message never contains secret material. Immutable; safe to share across threads.
#pragma once

#include <stdexcept>
#include <string>

namespace signatory {

class Error : public std::runtime_error {
 public:
  Error(int http_status, const std::string& message)
      : std::runtime_error(message), status_(http_status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// Shorthands for the statuses the domain uses most.
inline Error bad_request(const std::string& m) { return Error(400, m); }
inline Error forbidden(const std::string& m) { return Error(403, m); }
inline Error not_found(const std::string& m) { return Error(404, m); }
inline Error conflict(const std::string& m) { return Error(409, m); }
inline Error internal_error(const std::string& m) { return Error(500, m); }
inline Error unavailable(const std::string& m) { return Error(503, m); }

}  // namespace signatory
