// AWS Signature Version 4 (header signing, AWS4-HMAC-SHA256), as the official SigV4 test
// suite and botocore define it: canonical request (normalised, URI-encoded path; sorted,
// encoded query; lower-cased, trimmed, sorted headers joined on duplicates; hex SHA-256 of the
// payload), string to sign, signing key HMAC chain and the Authorization header.
//
// Every header in `SigningRequest::headers` is signed, so callers pass only the headers they
// mean to sign (for KMS: Host, Content-Type, X-Amz-Target) and add unsigned ones (User-Agent)
// afterwards. `sign` adds X-Amz-Date and, for temporary credentials, X-Amz-Security-Token
// (both signed) unless the request has them already. The derived signing key lives in
// crypto::SecretBytes and is wiped after use. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"

namespace signatory::aws {

using HttpHeader = std::pair<std::string, std::string>;

struct SigningRequest {
  std::string method;               // "POST"
  std::string path = "/";           // raw path as sent, before normalisation and encoding
  std::string query;                // raw query string without '?', may be empty
  std::vector<HttpHeader> headers;  // in sending order; names in any case
  std::string body;
};

struct SigningScope {
  std::string region;
  std::string service;  // "kms"
  std::chrono::system_clock::time_point time;
};

// The intermediate forms, exposed for tests against the official vectors.
struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;  // value of the Authorization header
};

// "20150830T123600Z"
std::string amz_date(std::chrono::system_clock::time_point time);

// Canonical forms of the parts (exposed for tests).
std::string canonical_path(std::string_view raw_path);
std::string canonical_query(std::string_view raw_query);

// Computes the signature over `request` as it is (adds no header).
SigV4Result compute_signature(const SigningRequest& request, const Credentials& credentials,
                              const SigningScope& scope);

// Adds X-Amz-Date, X-Amz-Security-Token (temporary credentials) and Authorization to
// `request.headers` and returns the intermediate forms.
SigV4Result sign(SigningRequest& request, const Credentials& credentials,
                 const SigningScope& scope);

}  // namespace signatory::aws
