// The one error type of the signer. Domain code throws `Error` with a semantic code (what kind
// of failure it is, not how a protocol shows it) and a message a user can act on; the API edge
// maps the code to an HTTP status and the Tezos JSON error body, once (server/error_status.h).
// A message never contains secret material. Immutable; safe to share across threads.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace signatory {

enum class ErrorCode : std::uint8_t {
  BadRequest,       // the request or the input is malformed or not acceptable as written
  Unauthenticated,  // the client did not say who it is, or could not prove it
  Forbidden,        // the client is known, but this is not allowed (policy, key restrictions)
  NotFound,         // no such key
  Conflict,         // the high-water mark forbids it (a request at or below the mark)
  Internal,         // a fault of this program or of its own state (files, config at start)
  UpstreamFailure,  // a backend (KMS, …) answered something unusable
  Unavailable,      // a backend or store cannot be reached or cannot make a mark durable now
  UpstreamTimeout,  // a backend did not answer in time
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Shorthands, one per code.
inline Error bad_request(const std::string& m) {
  return Error(ErrorCode::BadRequest, m);
}
inline Error unauthenticated(const std::string& m) {
  return Error(ErrorCode::Unauthenticated, m);
}
inline Error forbidden(const std::string& m) {
  return Error(ErrorCode::Forbidden, m);
}
inline Error not_found(const std::string& m) {
  return Error(ErrorCode::NotFound, m);
}
inline Error conflict(const std::string& m) {
  return Error(ErrorCode::Conflict, m);
}
inline Error internal_error(const std::string& m) {
  return Error(ErrorCode::Internal, m);
}
inline Error upstream_failure(const std::string& m) {
  return Error(ErrorCode::UpstreamFailure, m);
}
inline Error unavailable(const std::string& m) {
  return Error(ErrorCode::Unavailable, m);
}
inline Error upstream_timeout(const std::string& m) {
  return Error(ErrorCode::UpstreamTimeout, m);
}

}  // namespace signatory
