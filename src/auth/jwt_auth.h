// JWT users, as Signatory's `server.jwt` (Signatory's pkg/middlewares/jwt.go). The signer API
// (server/signer_api.cpp) reads the HTTP headers and asks this class: `POST /login` trades the
// `username` and `password` headers for an HS256 token (jwt_token.h) signed with that user's
// secret and valid `jwt_exp` minutes; every other route then needs `Authorization: Bearer
// <token>` plus the `username` header, and the token must verify with THAT user's secret and
// name that user in its `user` claim. Refusals throw Error(Unauthenticated).
//
// Credentials are checked when the authenticator is built (the server refuses to start):
// passwords ≥ 16 and secrets ≥ 32 characters, each with an upper-case letter, a lower-case
// letter, a digit and a printable ASCII special character; `new_data` must change both the
// password and the secret.
//
// Rotation (`new_data` with `old_cred_exp`): with no `old_cred_exp`, or one already past, the
// new credentials replace the old ones at start. With a future `old_cred_exp` (UTC), both the
// old and the new password log in (each token is signed with the secret of the password that
// matched, and either secret verifies) until that second; from then on only the new ones do,
// and tokens signed with the old secret are refused. The switch is decided per request from
// the clock, so there is no timer; it is logged once, at the first use after it.
//
// Passwords are compared in constant time (SHA-256 of both sides, so lengths do not leak);
// secrets and passwords live in SecretBytes and never appear in a log line or a message.
//
// Thread-safety: immutable after construction (apart from the once-only rotation log flag);
// login() and authenticate() may run on many threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt_token.h"
#include "config/config.h"
#include "crypto/secret_bytes.h"

namespace signatory::auth {

// Unix seconds now (the system clock); tests pass their own.
using UnixClock = std::function<std::int64_t()>;
std::int64_t unix_now();

// Signatory's complexity rule; empty when `text` passes, else the reason
// ("password should be at least 16 characters", "secret should contain at least one digit", …).
std::string credential_weakness(std::string_view text, bool is_secret);

class JwtAuthenticator {
 public:
  // Throws Error(BadRequest) "JWT: config validation failed for user <u>: <reason>" (or "… for new
  // credentials of user <u>: …", "JWT: new credentials are same as old for user <u>") and logs
  // the rotation plan of every user with `new_data`.
  explicit JwtAuthenticator(const std::vector<config::JwtUser>& users, UnixClock clock = unix_now);
  ~JwtAuthenticator();

  // POST /login. Returns the token, or throws Error(Unauthenticated): "username and password
  // required", "Access denied" (unknown user or wrong password).
  std::string login(std::string_view username, std::string_view password) const;

  // Every other route: the `Authorization` and `username` header values. Returns the user, or
  // throws Error(Unauthenticated): "token required", "JWT: user not found", "JWT: invalid token"
  // (the `user` claim is missing or names someone else; logged as suspicious), or a token error of
  // verify_jwt ("token has invalid claims: token is expired", …).
  std::string authenticate(std::string_view authorization, std::string_view username) const;

 private:
  struct Credentials {
    crypto::SecretBytes password_digest;  // SHA-256 of the password
    crypto::SecretBytes secret;
    unsigned exp_minutes = 60;
  };
  struct User {
    std::string name;
    Credentials current;
    std::optional<Credentials> next;  // accepted too until switch_at, alone from then on
    std::int64_t switch_at = 0;
    mutable std::atomic<bool> switch_logged{false};
  };
  // The credentials valid at `now`, newest last.
  std::vector<const Credentials*> active(const User& user, std::int64_t now) const;
  const User* find(std::string_view name) const;

  std::vector<std::unique_ptr<User>> users_;
  UnixClock clock_;
};

}  // namespace signatory::auth
