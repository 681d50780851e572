// HS256 tokens against independent data: RFC 4231's HMAC-SHA-256 test cases, RFC 7515
// appendix A.1 (a published HS256 JWS with its key), and HMACs computed
// by the `openssl dgst -sha256 -hmac` command in this test. Then every refusal of verify_jwt.
#include "auth/jwt_token.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/error.h"
#include "test_support.h"

namespace signatory::auth {
namespace {

std::string text_of(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

std::string decoded_text(std::string_view segment) {
  auto raw = base64url_decode(segment);
  EXPECT_TRUE(raw) << segment;
  return raw ? text_of(*raw) : std::string();
}

std::string expect_refused(std::string_view token, ByteView secret, std::int64_t now) {
  try {
    verify_jwt(token, secret, now);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthenticated) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted " << token;
  return {};
}

// A token with the given raw header and claims JSON, signed HS256 with `secret`.
std::string forge(std::string_view header, std::string_view claims, std::string_view secret) {
  std::string input = base64url_encode(as_view(header)) + "." + base64url_encode(as_view(claims));
  return input + "." + base64url_encode(hmac_sha256(as_view(secret), as_view(input)));
}

TEST(HmacSha256, Rfc4231TestCases) {
  // RFC 4231 §4.2 and §4.3.
  EXPECT_EQ(to_hex(hmac_sha256(Bytes(20, 0x0b), as_view("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(to_hex(hmac_sha256(as_view("Jefe"), as_view("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // §4.7: a key longer than the block size is hashed first.
  EXPECT_EQ(to_hex(hmac_sha256(Bytes(131, 0xaa),
                               as_view("This is a test using a larger than block-size key and a "
                                       "larger than block-size data. The key needs to be hashed "
                                       "before being used by the HMAC algorithm."))),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, MatchesTheOpensslCommand) {
  testing::TempDir dir;
  const std::string key = "S3cret!S3cret!S3cret!S3cret!S3cret!";
  const std::string data = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UifQ";
  dir.write("data", data);
  const std::string command = "openssl dgst -sha256 -hmac '" + key + "' -r " + dir.file("data") +
                              " > " + dir.file("out") + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl dgst failed";
  std::ifstream in(dir.file("out"));
  std::string hex;
  in >> hex;  // "-r" prints "<hex> *<file>"
  ASSERT_EQ(hex.size(), 64u) << hex;
  EXPECT_EQ(to_hex(hmac_sha256(as_view(key), as_view(data))), hex);
}

// RFC 7515 appendix A.1: the JWS, its HMAC key (a JWK "k") and its payload are published.
TEST(Jwt, VerifiesTheRfc7515AppendixA1Token) {
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  auto key = base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key);
  // Valid until its exp (2011-03-22T18:43:00Z); the token has no `user` claim.
  JwtClaims claims = verify_jwt(token, *key, 1300819379);
  EXPECT_EQ(claims.exp, 1300819380);
  EXPECT_FALSE(claims.user);
  EXPECT_EQ(expect_refused(token, *key, 1300819380), "token has invalid claims: token is expired");
  Bytes other = *key;
  other[0] ^= 1;
  EXPECT_EQ(expect_refused(token, other, 1300819379),
            "token signature is invalid: signature is invalid");
}

TEST(Jwt, EncodesSignatorysLayout) {
  const std::string secret = "S3cret!S3cret!S3cret!S3cret!S3cret!";
  const std::string token = encode_jwt("alice", 2000000000, as_view(secret));
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  ASSERT_NE(dot1, dot2);
  EXPECT_EQ(decoded_text(token.substr(0, dot1)), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(decoded_text(token.substr(dot1 + 1, dot2 - dot1 - 1)),
            R"({"exp":2000000000,"user":"alice"})");
  // The signature is HMAC-SHA-256 over the first two segments (RFC 4231-checked above).
  EXPECT_EQ(token.substr(dot2 + 1),
            base64url_encode(hmac_sha256(as_view(secret), as_view(token.substr(0, dot2)))));
  JwtClaims claims = verify_jwt(token, as_view(secret), 1999999999);
  EXPECT_EQ(claims.user, "alice");
  EXPECT_EQ(claims.exp, 2000000000);
}

TEST(Jwt, RefusesMalformedTokens) {
  const std::string secret = "k";
  const auto key = as_view(secret);
  for (const char* t : {"", "abc", "a.b", "a.b.c.d", "..."})
    EXPECT_EQ(expect_refused(t, key, 0),
              "token is malformed: token contains an invalid number of segments")
        << t;
  EXPECT_EQ(expect_refused("!!.e30.x", key, 0),
            "token is malformed: could not base64 decode header");
  EXPECT_EQ(expect_refused(base64url_encode(as_view("[1]")) + ".e30.x", key, 0),
            "token is malformed: could not JSON decode header");
  const std::string header = base64url_encode(as_view(R"({"alg":"HS256","typ":"JWT"})"));
  EXPECT_EQ(expect_refused(header + ".!.x", key, 0),
            "token is malformed: could not base64 decode claim");
  EXPECT_EQ(expect_refused(header + "." + base64url_encode(as_view("{")) + ".x", key, 0),
            "token is malformed: could not JSON decode claim");
  EXPECT_EQ(expect_refused(header + ".e30.+", key, 0),
            "token is malformed: could not base64 decode signature");
}

TEST(Jwt, RefusesEveryAlgorithmButHs256) {
  const std::string secret = "S3cret!S3cret!S3cret!S3cret!S3cret!";
  const std::string claims = R"({"exp":2000000000,"user":"alice"})";
  // `none` with an empty signature, the classic downgrade.
  const std::string none = base64url_encode(as_view(R"({"alg":"none","typ":"JWT"})")) + "." +
                           base64url_encode(as_view(claims)) + ".";
  EXPECT_EQ(expect_refused(none, as_view(secret), 0),
            "token signature is invalid: 'none' signature type is not allowed");
  // Other HMACs keyed with the same secret (golang-jwt would accept HS384/HS512).
  for (const char* alg : {"HS384", "HS512", "RS256", "hs256"}) {
    std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
    EXPECT_EQ(expect_refused(forge(header, claims, secret), as_view(secret), 0),
              std::string("token is unverifiable: signing method ") + alg +
                  " is not accepted (only HS256)");
  }
  EXPECT_EQ(expect_refused(forge(R"({"typ":"JWT"})", claims, secret), as_view(secret), 0),
            "token is unverifiable: signing method (alg) is unspecified");
  // Extra header members are refused, even correctly signed.
  EXPECT_EQ(expect_refused(forge(R"({"alg":"HS256","typ":"JWT","kid":"x"})", claims, secret),
                           as_view(secret), 0),
            "token is malformed: unexpected header field `kid' (only alg HS256 and typ JWT are "
            "accepted)");
  EXPECT_EQ(
      expect_refused(forge(R"({"alg":"HS256","typ":"JOSE"})", claims, secret), as_view(secret), 0),
      "token is malformed: unexpected header field `typ' (only alg HS256 and typ JWT are "
      "accepted)");
  // Without typ, member order and spacing free: accepted.
  EXPECT_EQ(verify_jwt(forge(R"({ "alg" : "HS256" })", claims, secret), as_view(secret), 0).user,
            "alice");
}

TEST(Jwt, ExpiryIsRequiredAndEnforced) {
  const std::string secret = "S3cret!S3cret!S3cret!S3cret!S3cret!";
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  EXPECT_EQ(expect_refused(forge(header, R"({"user":"alice"})", secret), as_view(secret), 0),
            "token has invalid claims: token is missing required claim: exp claim is required");
  EXPECT_EQ(
      expect_refused(forge(header, R"({"exp":"soon","user":"alice"})", secret), as_view(secret), 0),
      "token has invalid claims: exp is invalid: invalid type for claim");
  const std::string token = forge(header, R"({"exp":1000.9,"user":"alice"})", secret);
  EXPECT_EQ(verify_jwt(token, as_view(secret), 999).exp, 1000);
  EXPECT_EQ(expect_refused(token, as_view(secret), 1000),
            "token has invalid claims: token is expired");
  EXPECT_EQ(expect_refused(forge(header, R"({"exp":2000,"nbf":1500,"user":"a"})", secret),
                           as_view(secret), 1000),
            "token has invalid claims: token is not valid yet");
  // A tampered claim (the user changed after signing) breaks the signature.
  const std::string good = encode_jwt("alice", 2000, as_view(secret));
  const std::string evil_claims = base64url_encode(as_view(R"({"exp":2000,"user":"bob"})"));
  const std::string tampered =
      good.substr(0, good.find('.') + 1) + evil_claims + good.substr(good.rfind('.'));
  EXPECT_EQ(expect_refused(tampered, as_view(secret), 1000),
            "token signature is invalid: signature is invalid");
}

}  // namespace
}  // namespace signatory::auth
