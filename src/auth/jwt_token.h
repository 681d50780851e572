// JSON Web Tokens as Signatory issues them (Signatory's pkg/middlewares/jwt.go): HS256
// (HMAC-SHA-256, RFC 7518 §3.2) over `base64url(header) "." base64url(claims)`, header
// {"alg":"HS256","typ":"JWT"}, claims {"exp":<unix seconds>,"user":"<name>"}.
//
// Verification is strict where golang-jwt is lenient: the header must hold `alg` = "HS256"
// and may hold `typ` = "JWT" and nothing else (no `none`, no other HMAC or any other
// algorithm, no `kid`/`crit`/…); `exp` is required and must be in the future; the signature
// is compared in constant time. A refused token throws Error(Unauthenticated); the texts follow
// golang-jwt v5's where it has one
// ("token is malformed: …", "token signature is invalid: …", "token has invalid claims: …").
//
// Pure functions over their arguments; safe from any thread. The HMAC key is never copied
// beyond OpenSSL's own short-lived context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace signatory::auth {

struct JwtClaims {
  std::optional<std::string> user;  // the `user` claim, when it is a string
  std::int64_t exp = 0;             // `exp`, seconds since the Unix epoch
};

// HMAC-SHA-256 (RFC 2104) of `data` under `key`.
Bytes hmac_sha256(ByteView key, ByteView data);

// A signed token for `user`, expiring at `exp` (Unix seconds).
std::string encode_jwt(std::string_view user, std::int64_t exp, ByteView secret);

// Verifies `token` with `secret` at time `now` (Unix seconds) and returns its claims. Throws
// Error(Unauthenticated), whose text is what the client gets: malformed token, header other than
// HS256, bad signature, missing, non-numeric or past `exp` (a token is expired from its `exp`
// second on).
JwtClaims verify_jwt(std::string_view token, ByteView secret, std::int64_t now);

}  // namespace signatory::auth
