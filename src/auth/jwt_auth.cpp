// JWT login and token checks with credential rotation (see jwt_auth.h).
#include "auth/jwt_auth.h"

#include <openssl/crypto.h>

#include <chrono>
#include <ctime>

#include "common/ascii.h"
#include "common/error.h"
#include "common/log.h"
#include "crypto/sha256.h"

namespace signatory::auth {
namespace {

crypto::SecretBytes digest_of(ByteView text) {
  crypto::Digest32 d = crypto::sha256(text);
  crypto::SecretBytes out(ByteView(d.data(), d.size()));
  OPENSSL_cleanse(d.data(), d.size());
  return out;
}

bool same_digest(const crypto::SecretBytes& a, const crypto::SecretBytes& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "YYYY-MM-DD hh:mm:ss" (validated by the config loader) as Unix seconds, UTC.
std::int64_t parse_utc(const std::string& text) {
  std::tm tm{};
  tm.tm_year = std::stoi(text.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(text.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(text.substr(8, 2));
  tm.tm_hour = std::stoi(text.substr(11, 2));
  tm.tm_min = std::stoi(text.substr(14, 2));
  tm.tm_sec = std::stoi(text.substr(17, 2));
  return static_cast<std::int64_t>(timegm(&tm));
}

// Go's time.Duration.String() for whole seconds: "1h2m3s", "4m0s", "59s".
std::string go_duration(std::int64_t seconds) {
  std::int64_t h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60;
  if (h > 0) return std::to_string(h) + "h" + std::to_string(m) + "m" + std::to_string(s) + "s";
  if (m > 0) return std::to_string(m) + "m" + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

constexpr std::string_view kBadSignature = "token signature is invalid: signature is invalid";

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string credential_weakness(std::string_view text, bool is_secret) {
  const std::string what = is_secret ? "secret" : "password";
  const std::size_t min = is_secret ? 32 : 16;
  if (text.size() < min) return what + " should be at least " + std::to_string(min) + " characters";
  bool upper = false, lower = false, digit = false, special = false;
  for (unsigned char c : text) {
    if (c >= 'A' && c <= 'Z')
      upper = true;
    else if (c >= 'a' && c <= 'z')
      lower = true;
    else if (c >= '0' && c <= '9')
      digit = true;
    else if (c >= 32 && c <= 126)
      special = true;
  }
  if (!upper) return what + " should contain at least one uppercase character";
  if (!lower) return what + " should contain at least one lowercase character";
  if (!digit) return what + " should contain at least one digit";
  if (!special) return what + " should contain at least one special character";
  return {};
}

JwtAuthenticator::JwtAuthenticator(const std::vector<config::JwtUser>& users, UnixClock clock)
    : clock_(std::move(clock)) {
  const std::int64_t now = clock_();
  for (const config::JwtUser& u : users) {
    auto check = [&](const config::JwtCredentials& c, const std::string& whose) {
      for (bool is_secret : {false, true}) {
        std::string weak = credential_weakness(
            is_secret ? c.secret.as_string() : c.password.as_string(), is_secret);
        if (!weak.empty())
          throw bad_request("JWT: config validation failed for " + whose + u.name + ": " + weak);
      }
    };
    check(u.current, "user ");
    auto user = std::make_unique<User>();
    user->name = u.name;
    user->current = {digest_of(u.current.password.view()), u.current.secret.clone(),
                     u.current.jwt_exp_minutes};
    if (u.new_data) {
      const config::JwtCredentials& n = *u.new_data;
      if (same_digest(digest_of(n.password.view()), user->current.password_digest) ||
          (n.secret.size() == u.current.secret.size() &&
           CRYPTO_memcmp(n.secret.data(), u.current.secret.data(), n.secret.size()) == 0))
        throw bad_request("JWT: new credentials are same as old for user " + u.name);
      check(n, "new credentials of user ");
      Credentials next{digest_of(n.password.view()), n.secret.clone(), n.jwt_exp_minutes};
      const std::int64_t at = u.old_cred_exp.empty() ? now : parse_utc(u.old_cred_exp);
      if (at <= now) {
        user->current = std::move(next);
        log::info(u.old_cred_exp.empty()
                      ? "JWT: Applied new credentials for user " + u.name
                      : "JWT: Applied new credentials for user " + u.name + " (expiry passed)");
      } else {
        user->next = std::move(next);
        user->switch_at = at;
        log::info("JWT: Scheduled credential rotation for user " + u.name + " in " +
                  go_duration(at - now));
      }
    }
    users_.push_back(std::move(user));
  }
}

JwtAuthenticator::~JwtAuthenticator() = default;

const JwtAuthenticator::User* JwtAuthenticator::find(std::string_view name) const {
  for (const auto& u : users_)
    if (u->name == name) return u.get();
  return nullptr;
}

std::vector<const JwtAuthenticator::Credentials*> JwtAuthenticator::active(const User& user,
                                                                           std::int64_t now) const {
  if (!user.next) return {&user.current};
  if (now < user.switch_at) return {&user.current, &*user.next};
  if (!user.switch_logged.exchange(true))
    log::info("JWT: Rotated credentials for user " + user.name);
  return {&*user.next};
}

std::string JwtAuthenticator::login(std::string_view username, std::string_view password) const {
  if (username.empty() || password.empty()) throw unauthenticated("username and password required");
  crypto::SecretBytes given = digest_of(as_view(password));
  const User* user = find(username);
  if (user == nullptr) throw unauthenticated("Access denied");
  const std::int64_t now = clock_();
  const Credentials* matched = nullptr;
  for (const Credentials* c : active(*user, now))
    if (same_digest(given, c->password_digest) && matched == nullptr) matched = c;
  if (matched == nullptr) throw unauthenticated("Access denied");
  return encode_jwt(user->name, now + 60 * static_cast<std::int64_t>(matched->exp_minutes),
                    matched->secret.view());
}

std::string JwtAuthenticator::authenticate(std::string_view authorization,
                                           std::string_view username) const {
  if (authorization.empty()) throw unauthenticated("token required");
  // "Bearer <token>"; Signatory also takes the bare token.
  std::string_view token =
      istarts_with(authorization, "bearer ") ? authorization.substr(7) : authorization;
  const User* user = find(username);
  if (user == nullptr || username.empty()) throw unauthenticated("JWT: user not found");
  const std::int64_t now = clock_();
  std::optional<JwtClaims> claims;
  std::optional<Error> refusal;
  for (const Credentials* c : active(*user, now)) {
    try {
      claims = verify_jwt(token, c->secret.view(), now);
      break;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Unauthenticated) throw;
      refusal = e;
      // Only a signature that does not match this secret may match the next one.
      if (std::string_view(e.what()) != kBadSignature) break;
    }
  }
  if (!claims) throw *refusal;
  if (!claims->user) throw unauthenticated("JWT: invalid token");
  if (*claims->user != user->name) {
    log::warn("JWT: Suspicious activity detected, token user does not match request user",
              {{"user", user->name}});
    throw unauthenticated("JWT: invalid token");
  }
  return user->name;
}

}  // namespace signatory::auth
