// Errors from AWS KMS replies, parsed the way botocore parses AWS JSON 1.1 errors: the code
// is the body's `__type` (else the X-Amzn-ErrorType header, else an XML <Code>, as moto sends
// for authentication failures), with anything after ':' dropped and only what follows the last
// '#' kept; the message is `message` or `Message`. A body that is neither JSON nor XML leaves
// only the HTTP status.
//
// `KmsError` is the signatory::Error thrown for a KMS error reply; it keeps AWS's error code so
// that the vault can tell a key to skip (DisabledException …) from a fault of the whole backend.
// Error codes: authentication and authorisation failures → Forbidden; NotFoundException →
// NotFound; disabled or wrong-state keys → Forbidden; throttling and 5xx (after retries) →
// Unavailable; other client errors → UpstreamFailure (the signer sent something KMS could not
// use). Messages are cut to a sane
// length and stripped of control characters. Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "aws/http_transport.h"
#include "common/error.h"

namespace signatory::aws {

struct KmsErrorReply {
  std::string code;     // "NotFoundException"; empty when the reply names none
  std::string message;  // may be empty
};

KmsErrorReply parse_error_reply(const HttpResponse& response);

// Throttling codes, HTTP 429 and 5xx: worth another attempt after a pause.
bool is_retryable(long http_status, const std::string& code);

// The error code a client of the signer should see for this KMS error.
ErrorCode error_code_for(long http_status, const std::string& code);

class KmsError : public Error {
 public:
  KmsError(ErrorCode code, std::string aws_code, const std::string& message)
      : Error(code, message), aws_code_(std::move(aws_code)) {}
  // AWS's name of the error ("NotFoundException"); empty when the reply names none.
  const std::string& aws_code() const { return aws_code_; }

 private:
  std::string aws_code_;
};

// Printable ASCII only, at most `max` characters (with "…" when cut).
std::string sanitize_reply_text(std::string_view text, std::size_t max = 300);

}  // namespace signatory::aws
