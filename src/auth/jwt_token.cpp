// HS256 JSON Web Tokens (see jwt_token.h).
#include "auth/jwt_token.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/error.h"

namespace signatory::auth {
namespace {

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

// The JSON object of one base64url segment; throws Error(Unauthenticated) naming `what` otherwise.
nlohmann::json decode_segment(std::string_view segment, const char* what) {
  std::optional<Bytes> raw = base64url_decode(segment);
  if (!raw)
    throw unauthenticated(std::string("token is malformed: could not base64 decode ") + what);
  nlohmann::json doc = nlohmann::json::parse(raw->begin(), raw->end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw unauthenticated(std::string("token is malformed: could not JSON decode ") + what);
  return doc;
}

// Only {"alg":"HS256"} with an optional "typ":"JWT".
void check_header(const nlohmann::json& header) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get<std::string>().empty())
    throw unauthenticated("token is unverifiable: signing method (alg) is unspecified");
  const std::string name = alg->get<std::string>();
  if (name == "none" || name == "None" || name == "NONE")
    throw unauthenticated("token signature is invalid: 'none' signature type is not allowed");
  if (name != "HS256")
    throw unauthenticated("token is unverifiable: signing method " + name +
                          " is not accepted (only HS256)");
  for (const auto& [key, value] : header.items()) {
    if (key == "alg") continue;
    if (key == "typ" && value.is_string() && value.get<std::string>() == "JWT") continue;
    throw unauthenticated("token is malformed: unexpected header field `" + key +
                          "' (only alg HS256 and typ JWT are accepted)");
  }
}

// A NumericDate claim as whole seconds; nullopt when absent. Throws when not a number.
std::optional<std::int64_t> numeric_date(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() &&
        it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      return INT64_MAX;
    return it->get<std::int64_t>();
  }
  if (it->is_number_float()) {
    double v = it->get<double>();
    if (std::isfinite(v)) {
      if (v >= 9.2e18) return INT64_MAX;
      if (v <= -9.2e18) return INT64_MIN;
      return static_cast<std::int64_t>(std::floor(v));
    }
  }
  throw unauthenticated(std::string("token has invalid claims: ") + name +
                        " is invalid: invalid type for claim");
}

}  // namespace

Bytes hmac_sha256(ByteView key, ByteView data) {
  std::array<unsigned char, 32> mac{};
  std::size_t len = 0;
  // A zero-length key is valid HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const unsigned char* k = key.empty() ? &kEmpty : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, k, key.size(), data.data(),
                data.size(), mac.data(), mac.size(), &len) == nullptr ||
      len != mac.size()) {
    ERR_clear_error();
    throw internal_error("HMAC-SHA-256 failed");
  }
  return Bytes(mac.begin(), mac.end());
}

std::string encode_jwt(std::string_view user, std::int64_t exp, ByteView secret) {
  nlohmann::json claims = {{"exp", exp}, {"user", std::string(user)}};  // keys sorted, as Go
  std::string input =
      base64url_encode(as_view(kHeader)) + "." + base64url_encode(as_view(claims.dump()));
  Bytes mac = hmac_sha256(secret, as_view(input));
  return input + "." + base64url_encode(mac);
}

JwtClaims verify_jwt(std::string_view token, ByteView secret, std::int64_t now) {
  std::size_t first = token.find('.');
  std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    throw unauthenticated("token is malformed: token contains an invalid number of segments");
  const nlohmann::json header = decode_segment(token.substr(0, first), "header");
  const nlohmann::json claims =
      decode_segment(token.substr(first + 1, second - first - 1), "claim");
  check_header(header);

  std::optional<Bytes> signature = base64url_decode(token.substr(second + 1));
  if (!signature) throw unauthenticated("token is malformed: could not base64 decode signature");
  Bytes expected = hmac_sha256(secret, as_view(token.substr(0, second)));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    throw unauthenticated("token signature is invalid: signature is invalid");

  JwtClaims out;
  std::optional<std::int64_t> exp = numeric_date(claims, "exp");
  if (!exp)
    throw unauthenticated(
        "token has invalid claims: token is missing required claim: exp claim is required");
  if (now >= *exp) throw unauthenticated("token has invalid claims: token is expired");
  if (std::optional<std::int64_t> nbf = numeric_date(claims, "nbf"); nbf && now < *nbf)
    throw unauthenticated("token has invalid claims: token is not valid yet");
  out.exp = *exp;
  if (auto user = claims.find("user"); user != claims.end() && user->is_string())
    out.user = user->get<std::string>();
  return out;
}

}  // namespace signatory::auth
