// JWT users (Signatory's pkg/middlewares/jwt.go): complexity rules, login, token checks, and
// credential rotation driven by a test clock. Tokens are checked with verify_jwt and the configured
// secrets.
#include "auth/jwt_auth.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/error.h"

namespace signatory::auth {
namespace {

// 2030-01-01 00:00:00 UTC.
constexpr std::int64_t kNow = 1893456000;

const std::string kAlicePassword = "Alice-Passw0rd!xx";
const std::string kAliceSecret = "Alice-S3cret!Alice-S3cret!Alice-S3cret!";
const std::string kAliceNewPassword = "Alice-N3w-Passw0rd!";
const std::string kAliceNewSecret = "Alice-N3w-S3cret!Alice-N3w-S3cret!xx";
const std::string kBobPassword = "B0b-Passw0rd!Passw0rd!";
const std::string kBobSecret = "B0b-S3cret!B0b-S3cret!B0b-S3cret!xx";

config::JwtCredentials credentials(const std::string& password, const std::string& secret,
                                   unsigned exp_minutes = 60) {
  config::JwtCredentials c;
  c.password = crypto::SecretBytes::from_string(password);
  c.secret = crypto::SecretBytes::from_string(secret);
  c.jwt_exp_minutes = exp_minutes;
  return c;
}

config::JwtUser user(const std::string& name, const std::string& password,
                     const std::string& secret, unsigned exp_minutes = 60) {
  config::JwtUser u;
  u.name = name;
  u.current = credentials(password, secret, exp_minutes);
  return u;
}

std::vector<config::JwtUser> alice_and_bob() {
  std::vector<config::JwtUser> users;
  users.push_back(user("alice", kAlicePassword, kAliceSecret, 30));
  users.push_back(user("bob", kBobPassword, kBobSecret));
  return users;
}

std::vector<config::JwtUser> rotating_alice(const std::string& old_cred_exp) {
  std::vector<config::JwtUser> users;
  users.push_back(user("alice", kAlicePassword, kAliceSecret, 30));
  users[0].new_data = credentials(kAliceNewPassword, kAliceNewSecret, 120);
  users[0].old_cred_exp = old_cred_exp;
  return users;
}

struct TestClock {
  std::int64_t now = kNow;
  UnixClock fn() {
    return [this] { return now; };
  }
};

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unauthenticated) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "not refused";
  return {};
}

std::string construction_error(std::vector<config::JwtUser> users) {
  try {
    JwtAuthenticator jwt(users);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(JwtCredentials, ComplexityRules) {
  EXPECT_EQ(credential_weakness("Sh0rt!", false), "password should be at least 16 characters");
  EXPECT_EQ(credential_weakness("alllowercase0!xxxx", false),
            "password should contain at least one uppercase character");
  EXPECT_EQ(credential_weakness("ALLUPPERCASE0!XXXX", false),
            "password should contain at least one lowercase character");
  EXPECT_EQ(credential_weakness("NoDigitsHere!xxxx", false),
            "password should contain at least one digit");
  EXPECT_EQ(credential_weakness("NoSpecial0Charsxxxx", false),
            "password should contain at least one special character");
  EXPECT_EQ(credential_weakness("Exactly16chars!0", false), "");
  EXPECT_EQ(credential_weakness("Exactly16chars!0", true),
            "secret should be at least 32 characters");
  EXPECT_EQ(credential_weakness(kAliceSecret, true), "");
  // A space is printable ASCII and counts as special; a non-ASCII byte does not.
  EXPECT_EQ(credential_weakness("With Space 0Abcdef", false), "");
  EXPECT_EQ(credential_weakness("Caf\xc3\xa9\xc3\xa9\xc3\xa9"
                                "0Abcdefgh",
                                false),
            "password should contain at least one special character");
}

TEST(JwtCredentials, WeakOrUnchangedCredentialsStopTheServer) {
  std::vector<config::JwtUser> weak;
  weak.push_back(user("carol", "password", kAliceSecret));
  EXPECT_EQ(construction_error(std::move(weak)),
            "JWT: config validation failed for user carol: password should be at least 16 "
            "characters");
  std::vector<config::JwtUser> weak_secret;
  weak_secret.push_back(user("carol", kAlicePassword, "Short-S3cret!"));
  EXPECT_EQ(construction_error(std::move(weak_secret)),
            "JWT: config validation failed for user carol: secret should be at least 32 "
            "characters");
  auto same_password = rotating_alice("");
  same_password[0].new_data->password = crypto::SecretBytes::from_string(kAlicePassword);
  EXPECT_EQ(construction_error(std::move(same_password)),
            "JWT: new credentials are same as old for user alice");
  auto same_secret = rotating_alice("");
  same_secret[0].new_data->secret = crypto::SecretBytes::from_string(kAliceSecret);
  EXPECT_EQ(construction_error(std::move(same_secret)),
            "JWT: new credentials are same as old for user alice");
  auto weak_new = rotating_alice("");
  weak_new[0].new_data->secret = crypto::SecretBytes::from_string(std::string(40, 'A') + "a0!");
  weak_new[0].new_data->password = crypto::SecretBytes::from_string("new-password-no-upper-0!");
  EXPECT_EQ(construction_error(std::move(weak_new)),
            "JWT: config validation failed for new credentials of user alice: password should "
            "contain at least one uppercase character");
}

TEST(JwtLogin, IssuesATokenSignedWithTheUsersSecret) {
  TestClock clock;
  JwtAuthenticator jwt(alice_and_bob(), clock.fn());
  const std::string token = jwt.login("alice", kAlicePassword);
  JwtClaims claims = verify_jwt(token, as_view(kAliceSecret), kNow);
  EXPECT_EQ(claims.user, "alice");
  EXPECT_EQ(claims.exp, kNow + 30 * 60);  // jwt_exp: 30
  EXPECT_EQ(verify_jwt(jwt.login("bob", kBobPassword), as_view(kBobSecret), kNow).exp,
            kNow + 60 * 60);
  EXPECT_EQ(jwt.authenticate("Bearer " + token, "alice"), "alice");
  EXPECT_EQ(jwt.authenticate("bearer " + token, "alice"), "alice");
  EXPECT_EQ(jwt.authenticate(token, "alice"), "alice") << "Signatory takes the bare token too";
}

TEST(JwtLogin, RefusesMissingAndWrongCredentials) {
  JwtAuthenticator jwt(alice_and_bob());
  EXPECT_EQ(refusal([&] { jwt.login("", kAlicePassword); }), "username and password required");
  EXPECT_EQ(refusal([&] { jwt.login("alice", ""); }), "username and password required");
  EXPECT_EQ(refusal([&] { jwt.login("mallory", kAlicePassword); }), "Access denied");
  EXPECT_EQ(refusal([&] { jwt.login("alice", kBobPassword); }), "Access denied");
  EXPECT_EQ(refusal([&] { jwt.login("alice", kAlicePassword + "x"); }), "Access denied");
  EXPECT_EQ(refusal([&] { jwt.login("alice", kAliceSecret); }), "Access denied");
}

TEST(JwtAuthenticate, RefusesEveryBadToken) {
  TestClock clock;
  JwtAuthenticator jwt(alice_and_bob(), clock.fn());
  const std::string alice = "Bearer " + jwt.login("alice", kAlicePassword);
  EXPECT_EQ(refusal([&] { jwt.authenticate("", "alice"); }), "token required");
  EXPECT_EQ(refusal([&] { jwt.authenticate(alice, ""); }), "JWT: user not found");
  EXPECT_EQ(refusal([&] { jwt.authenticate(alice, "mallory"); }), "JWT: user not found");
  // Alice's token presented as bob: verified with bob's secret, so it fails.
  EXPECT_EQ(refusal([&] { jwt.authenticate(alice, "bob"); }),
            "token signature is invalid: signature is invalid");
  // A token signed with alice's secret that claims bob, presented as alice or as bob.
  const std::string claims_bob = "Bearer " + encode_jwt("bob", kNow + 60, as_view(kAliceSecret));
  EXPECT_EQ(refusal([&] { jwt.authenticate(claims_bob, "alice"); }), "JWT: invalid token");
  EXPECT_EQ(refusal([&] { jwt.authenticate(claims_bob, "bob"); }),
            "token signature is invalid: signature is invalid");
  // Signed with the right secret but with no user claim.
  const std::string header = base64url_encode(as_view(R"({"alg":"HS256","typ":"JWT"})"));
  const std::string input = header + "." + base64url_encode(as_view(R"({"exp":1999999999})"));
  const std::string no_user =
      input + "." + base64url_encode(hmac_sha256(as_view(kAliceSecret), as_view(input)));
  EXPECT_EQ(refusal([&] { jwt.authenticate(no_user, "alice"); }), "JWT: invalid token");
  // Expiry: valid one second before, refused from exp on.
  clock.now = kNow + 30 * 60 - 1;
  EXPECT_EQ(jwt.authenticate(alice, "alice"), "alice");
  clock.now = kNow + 30 * 60;
  EXPECT_EQ(refusal([&] { jwt.authenticate(alice, "alice"); }),
            "token has invalid claims: token is expired");
  EXPECT_EQ(refusal([&] { jwt.authenticate("Bearer x.y", "alice"); }),
            "token is malformed: token contains an invalid number of segments");
}

TEST(JwtRotation, NoExpiryOrPastExpiryAppliesTheNewCredentialsAtOnce) {
  for (const std::string when : {"", "2029-12-31 23:59:59"}) {
    TestClock clock;
    JwtAuthenticator jwt(rotating_alice(when), clock.fn());
    EXPECT_EQ(refusal([&] { jwt.login("alice", kAlicePassword); }), "Access denied") << when;
    const std::string token = jwt.login("alice", kAliceNewPassword);
    EXPECT_EQ(verify_jwt(token, as_view(kAliceNewSecret), kNow).exp, kNow + 120 * 60);
    EXPECT_EQ(jwt.authenticate(token, "alice"), "alice");
    const std::string old = encode_jwt("alice", kNow + 60, as_view(kAliceSecret));
    EXPECT_EQ(refusal([&] { jwt.authenticate(old, "alice"); }),
              "token signature is invalid: signature is invalid");
  }
}

TEST(JwtRotation, BothCredentialsWorkUntilOldCredExpThenOnlyTheNewOnes) {
  TestClock clock;
  JwtAuthenticator jwt(rotating_alice("2030-01-01 01:00:00"), clock.fn());  // kNow + 1 h
  const std::string old_token = jwt.login("alice", kAlicePassword);
  const std::string new_token = jwt.login("alice", kAliceNewPassword);
  // Each token is signed with the secret of the password that matched, with its lifetime.
  EXPECT_EQ(verify_jwt(old_token, as_view(kAliceSecret), kNow).exp, kNow + 30 * 60);
  EXPECT_EQ(verify_jwt(new_token, as_view(kAliceNewSecret), kNow).exp, kNow + 120 * 60);
  EXPECT_EQ(jwt.authenticate(old_token, "alice"), "alice");
  EXPECT_EQ(jwt.authenticate(new_token, "alice"), "alice");
  // An expired token signed with the current secret reports expiry, not a bad signature.
  const std::string stale = encode_jwt("alice", kNow - 1, as_view(kAliceSecret));
  EXPECT_EQ(refusal([&] { jwt.authenticate(stale, "alice"); }),
            "token has invalid claims: token is expired");

  clock.now = kNow + 3600 - 1;
  EXPECT_EQ(jwt.authenticate(new_token, "alice"), "alice");
  clock.now = kNow + 3600;  // old_cred_exp reached
  EXPECT_EQ(refusal([&] { jwt.login("alice", kAlicePassword); }), "Access denied");
  const std::string rotated = encode_jwt("alice", kNow + 7200, as_view(kAliceSecret));
  EXPECT_EQ(refusal([&] { jwt.authenticate(rotated, "alice"); }),
            "token signature is invalid: signature is invalid");
  EXPECT_EQ(jwt.authenticate(new_token, "alice"), "alice");
  EXPECT_EQ(
      verify_jwt(jwt.login("alice", kAliceNewPassword), as_view(kAliceNewSecret), clock.now).user,
      "alice");
}

}  // namespace
}  // namespace signatory::auth
