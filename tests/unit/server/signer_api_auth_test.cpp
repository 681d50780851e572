// Client authentication through the signer API handler and a real Signer (mem vault, mem
// watermark): the 16 request-authentication vectors of signatures.json, each refusal with its
// status and message, a verified client certificate standing in for an authorized key, JWT
// login and tokens with per-key `jwt_users`, the authentication_failure_total metric, and
// /healthz reasons for vaults that could not be opened or listed, and the bounded `address`
// label of sign_handler_* (keys not configured are "unknown").
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "auth/jwt_auth.h"
#include "common/error.h"
#include "config/config.h"
#include "crypto/blake2b.h"
#include "server/metrics.h"
#include "server/signer_api.h"
#include "server/utility_api.h"
#include "signer/signer.h"
#include "test_support.h"
#include "vault/registry.h"
#include "watermark/mem/mem_watermark.h"

namespace signatory::server {
namespace {

using nlohmann::json;

std::string pk(const std::string& id) {
  return testing::tezos_key(id).at("public_key");
}
std::string pkh(const std::string& id) {
  return testing::tezos_key(id).at("public_key_hash");
}

const json& auth_vectors() {
  return testing::tezos_vectors("signatures.json").at("authentication").at("vectors");
}
const json& auth_vector(const std::string& id) {
  for (const auto& v : auth_vectors())
    if (v.at("id") == id) return v;
  throw std::runtime_error("no vector " + id);
}

const char* const kSigningKeys[] = {"ed25519_0", "secp256k1_0", "p256_0", "bls12_381_0"};
const char* const kClientKeys[] = {"ed25519_3", "secp256k1_3", "p256_3", "bls12_381_3"};

// A vault whose listing fails until `healthy` is set.
class FlakyVault : public vault::Vault {
 public:
  explicit FlakyVault(bool* healthy) : healthy_(healthy) {}
  std::string type_label() const override { return "Flaky"; }
  std::vector<std::shared_ptr<vault::Key>> list() override {
    if (!*healthy_) throw unavailable("backend unreachable");
    return {};
  }

 private:
  bool* healthy_;
};

// One Signer over a mem vault with the *_0 keys, configured by `server_yaml` (lines under
// `server:`) and `policy_yaml` (lines under each `tezos.<pkh>:`), plus an API handler.
class Fixture {
 public:
  Fixture(const std::string& server_yaml, const std::string& policy_yaml,
          const std::string& extra_vaults = "") {
    std::string yaml = "base_dir: /nonexistent\nserver:\n" + server_yaml + "vaults:\n  m:\n" +
                       "    driver: mem\n    config:\n";
    for (const char* id : kSigningKeys)
      yaml += "      - " + testing::tezos_key(id).at("secret_key").get<std::string>() + "\n";
    yaml += extra_vaults + "tezos:\n";
    for (const char* id : kSigningKeys) {
      yaml += "  " + pkh(id) + ":\n";
      yaml += "    allow:\n      block:\n      attestation:\n      generic: [transaction]\n";
      yaml += policy_yaml;
    }
    config_ = config::parse_config(yaml, "signatory.yaml");
    vault::register_builtin_drivers();
    std::vector<signer::NamedVault> vaults;
    vaults.push_back({"m", vault::open_vault(config_.vaults.at(0), vault::VaultContext{})});
    if (!extra_vaults.empty()) vaults.push_back({"flaky", std::make_unique<FlakyVault>(&healthy)});
    // Background listings start as soon as they are asked for (see SignerHealth).
    signer_ = std::make_unique<signer::Signer>(
        config_, std::move(vaults), std::make_unique<watermark::MemWatermark>(), &metrics,
        signer::KeyDirectoryOptions{std::chrono::milliseconds(0)});
    if (!config_.server.jwt_users.empty()) jwt_.emplace(config_.server.jwt_users);
    handler_ = make_signer_api(*signer_, &metrics, jwt_ ? &*jwt_ : nullptr);
  }

  HttpResponse sign(const std::string& key_pkh, const std::string& hex,
                    std::optional<std::string> authentication,
                    std::vector<std::string> cert_names = {},
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = "POST";
    r.path = "/keys/" + key_pkh;
    r.target = r.path;
    if (authentication) r.query.emplace_back("authentication", *authentication);
    r.body = "\"" + hex + "\"";
    r.remote_address = "192.0.2.7";
    r.client_cert_names = std::move(cert_names);
    r.headers = std::move(headers);
    return handler_(r);
  }

  HttpResponse call(const std::string& method, const std::string& path,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.remote_address = "192.0.2.7";
    r.headers = std::move(headers);
    return handler_(r);
  }

  signer::Signer& signer() { return *signer_; }

  Metrics metrics;
  bool healthy = false;

 private:
  config::Config config_;
  std::unique_ptr<signer::Signer> signer_;
  std::optional<auth::JwtAuthenticator> jwt_;
  HttpHandler handler_;
};

std::string all_clients_yaml() {
  std::string out = "  authorized_keys:\n";
  for (const char* id : kClientKeys) out += "    - " + pk(id) + "\n";
  return out;
}

std::string error_msg(const HttpResponse& r) {
  json doc = json::parse(r.body, nullptr, false);
  if (!doc.is_array() || doc.size() != 1) return "not a tezos error: " + r.body;
  return doc[0].value("msg", "");
}

// 200 {"signature": …} verifying with the key `signer_id` over `hex`.
void expect_signed(const HttpResponse& r, const std::string& signer_id, const std::string& hex) {
  ASSERT_EQ(r.status, 200) << r.body;
  json doc = json::parse(r.body);
  auto sig = tezos::Signature::parse(doc.at("signature").get<std::string>());
  EXPECT_TRUE(tezos::PublicKey::parse(pk(signer_id)).verify(from_hex(hex), sig)) << r.body;
}

std::string signer_of(const json& vector) {
  for (const char* id : kSigningKeys)
    if (pkh(id) == vector.at("request_pkh")) return id;
  throw std::runtime_error("unknown request pkh");
}

TEST(SignerApiAuth, AllSixteenAuthenticationVectorsSign) {
  Fixture f(all_clients_yaml(), "");
  ASSERT_EQ(auth_vectors().size(), 16u);
  for (const auto& v : auth_vectors()) {
    SCOPED_TRACE(v.at("id").get<std::string>());
    expect_signed(f.sign(v.at("request_pkh"), v.at("data_hex"),
                         v.at("authentication_signature").get<std::string>()),
                  signer_of(v), v.at("data_hex"));
  }
  // GET /authorized_keys lists the hashes in config order.
  HttpResponse keys = f.call("GET", "/authorized_keys");
  ASSERT_EQ(keys.status, 200);
  json expected = json::array();
  for (const char* id : kClientKeys) expected.push_back(pkh(id));
  EXPECT_EQ(json::parse(keys.body), json({{"authorized_keys", expected}}));
}

TEST(SignerApiAuth, EachRefusalHasItsStatusAndMessage) {
  // Only ed25519_3 and p256_3 are authorized; the ed25519_0 key only accepts ed25519_3.
  Fixture f("  authorized_keys: [" + pk("ed25519_3") + ", " + pk("p256_3") + "]\n",
            "    authorized_keys: [" + pk("ed25519_3") + "]\n");
  const json& good = auth_vector("auth/ed25519_3/ed25519_0");
  const std::string hex = good.at("data_hex");
  const std::string target = good.at("request_pkh");

  HttpResponse missing = f.sign(target, hex, std::nullopt);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(error_msg(missing), "missing authentication signature field");
  EXPECT_EQ(f.sign(target, hex, std::string()).status, 401) << "an empty value is missing too";

  HttpResponse garbage = f.sign(target, hex, std::string("edsigNOTBASE58"));
  EXPECT_EQ(garbage.status, 400) << garbage.body;

  // A valid signature by a key that is not authorized (secp256k1_3).
  HttpResponse wrong =
      f.sign(target, hex, auth_vector("auth/secp256k1_3/ed25519_0").at("authentication_signature"));
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(error_msg(wrong), "invalid authentication signature");

  // An authorized client's signature replayed for another key's request.
  HttpResponse replay = f.sign(auth_vector("auth/ed25519_3/p256_0").at("request_pkh"),
                               auth_vector("auth/ed25519_3/p256_0").at("data_hex"),
                               good.at("authentication_signature").get<std::string>());
  EXPECT_EQ(replay.status, 403);
  EXPECT_EQ(error_msg(replay), "invalid authentication signature");

  // Authenticated as p256_3, which this key does not accept.
  HttpResponse not_allowed =
      f.sign(target, hex, auth_vector("auth/p256_3/ed25519_0").at("authentication_signature"));
  EXPECT_EQ(not_allowed.status, 403);
  EXPECT_EQ(error_msg(not_allowed), "client `" + pkh("p256_3") + "' is not allowed");

  expect_signed(f.sign(target, hex, good.at("authentication_signature").get<std::string>()),
                "ed25519_0", hex);

  const std::string metrics = f.metrics.render();
  for (const char* status : {"400", "401", "403"})
    EXPECT_NE(
        metrics.find(std::string("authentication_failure_total{auth_method=\"authentication\","
                                 "client_ip=\"192.0.2.7\",status=\"") +
                     status + "\"}"),
        std::string::npos)
        << status << "\n"
        << metrics;
}

TEST(SignerApiAuth, AVerifiedClientCertificateStandsInForAnAuthorizedKey) {
  Fixture f("  authorized_keys: [" + pk("ed25519_3") + ", " + pk("p256_3") + "]\n",
            "    authorized_keys: [" + pk("ed25519_3") + "]\n");
  const json& v = auth_vector("auth/ed25519_3/ed25519_0");
  const std::string hex = v.at("data_hex");
  expect_signed(
      f.sign(v.at("request_pkh"), hex, std::nullopt, {"signer.example", pkh("ed25519_3")}),
      "ed25519_0", hex);
  // A certificate naming no authorized key: the signature is still required.
  HttpResponse other = f.sign(v.at("request_pkh"), hex, std::nullopt, {pkh("secp256k1_3")});
  EXPECT_EQ(other.status, 401);
  EXPECT_EQ(error_msg(other), "missing authentication signature field");
  // Authenticated by certificate as p256_3: the key's own restriction still applies.
  HttpResponse restricted = f.sign(v.at("request_pkh"), hex, std::nullopt, {pkh("p256_3")});
  EXPECT_EQ(restricted.status, 403);
  EXPECT_EQ(error_msg(restricted), "client `" + pkh("p256_3") + "' is not allowed");
  // When a signature is sent it is checked as always, whatever the certificate says.
  HttpResponse bad_sig = f.sign(
      v.at("request_pkh"), hex,
      auth_vector("auth/secp256k1_3/ed25519_0").at("authentication_signature"), {pkh("ed25519_3")});
  EXPECT_EQ(bad_sig.status, 403);
}

TEST(SignerApiAuth, JwtLoginTokensAndPerKeyUsers) {
  const std::string users =
      "  jwt:\n    users:\n"
      "      alice:\n        password: \"Alice-Passw0rd!xx\"\n"
      "        secret: \"Alice-S3cret!Alice-S3cret!Alice-S3cret!\"\n"
      "      bob:\n        password: \"B0b-Passw0rd!Passw0rd!\"\n"
      "        secret: \"B0b-S3cret!B0b-S3cret!B0b-S3cret!xx\"\n";
  Fixture f(users, "    jwt_users: [alice]\n");
  HttpResponse no_login = f.call("GET", "/login");
  EXPECT_EQ(no_login.status, 405);
  HttpResponse denied =
      f.call("POST", "/login", {{"username", "alice"}, {"password", "B0b-Passw0rd!Passw0rd!"}});
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.body, "Access denied");
  EXPECT_EQ(denied.content_type, "text/plain; charset=utf-8");

  HttpResponse login =
      f.call("POST", "/login", {{"username", "alice"}, {"password", "Alice-Passw0rd!xx"}});
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string alice = login.body;
  EXPECT_EQ(
      auth::verify_jwt(alice, as_view("Alice-S3cret!Alice-S3cret!Alice-S3cret!"), auth::unix_now())
          .user,
      "alice");

  const json& v = auth_vector("auth/ed25519_3/ed25519_0");
  const std::string hex = v.at("data_hex");
  HttpResponse no_token = f.sign(v.at("request_pkh"), hex, std::nullopt);
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(no_token.body, "token required");
  expect_signed(f.sign(v.at("request_pkh"), hex, std::nullopt, {},
                       {{"Authorization", "Bearer " + alice}, {"username", "alice"}}),
                "ed25519_0", hex);
  // Bob's token is valid, but the key only accepts alice.
  HttpResponse bob_login =
      f.call("POST", "/login", {{"username", "bob"}, {"password", "B0b-Passw0rd!Passw0rd!"}});
  ASSERT_EQ(bob_login.status, 201);
  HttpResponse bob = f.sign(v.at("request_pkh"), hex, std::nullopt, {},
                            {{"Authorization", "Bearer " + bob_login.body}, {"username", "bob"}});
  EXPECT_EQ(bob.status, 403);
  EXPECT_EQ(error_msg(bob), "user `bob' is not authorized to access " + pkh("ed25519_0"));
  // Every route but /login needs the token, GET /keys included; unknown routes stay 404.
  EXPECT_EQ(f.call("GET", "/keys/" + pkh("ed25519_0")).status, 401);
  EXPECT_EQ(f.call("GET", "/keys/" + pkh("ed25519_0"),
                   {{"Authorization", "Bearer " + bob_login.body}, {"username", "bob"}})
                .status,
            200);
  EXPECT_EQ(f.call("GET", "/nothing").status, 404);
  EXPECT_NE(
      f.metrics.render().find(
          R"(authentication_failure_total{auth_method="jwt",client_ip="192.0.2.7",status="401"} 3)"),
      std::string::npos)
      << f.metrics.render();
}

TEST(SignerApiAuth, LoginIsNotARouteWithoutJwt) {
  Fixture f("", "");
  EXPECT_EQ(f.call("POST", "/login", {{"username", "a"}, {"password", "b"}}).status, 404);
}

// Strangers cannot grow /metrics: refused requests for thousands of key hashes that are not
// configured (and not authenticated) leave the number of series as it was; they are counted
// under address="unknown".
TEST(SignerApiMetrics, KeysNotConfiguredShareOneAddressLabel) {
  Fixture f(all_clients_yaml(), "");
  const std::string tx = "03" + std::string(64, '0') + "6c";  // refused before decoding
  auto random_pkh = [n = 0]() mutable {
    Bytes tagged(21, 0);  // tag 0 (tz1) ‖ 20 bytes
    const crypto::Digest32 d = crypto::blake2b_256(as_view(std::to_string(n++)));
    std::copy(d.begin(), d.begin() + 20, tagged.begin() + 1);
    return tezos::PublicKeyHash::from_tagged(tagged).to_base58();
  };
  auto series = [&] {
    std::size_t n = 0;
    const std::string text = f.metrics.render();
    for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1)
      if (text[at] != '#') ++n;
    return n;
  };
  EXPECT_EQ(f.sign(random_pkh(), tx, std::nullopt).status, 401);
  EXPECT_EQ(f.call("GET", "/keys/" + random_pkh()).status, 404);
  const std::size_t before = series();
  for (int i = 0; i < 2000; ++i) {
    EXPECT_EQ(f.sign(random_pkh(), tx, std::nullopt).status, 401);
    EXPECT_EQ(f.call("GET", "/keys/" + random_pkh()).status, 404);
  }
  EXPECT_EQ(series(), before);
  const std::string text = f.metrics.render();
  EXPECT_NE(text.find("sign_handler_requests_total{address=\"unknown\",status=\"401\"} 2001"),
            std::string::npos)
      << text;
  // A configured key keeps its own label.
  EXPECT_EQ(f.sign(pkh("ed25519_0"), tx, std::nullopt).status, 401);
  EXPECT_NE(f.metrics.render().find("sign_handler_requests_total{address=\"" + pkh("ed25519_0") +
                                    "\",status=\"401\"} 1"),
            std::string::npos);
}

TEST(SignerHealth, NamesAVaultThatCouldNotBeOpenedOrListed) {
  {
    // `broken` is configured, but the Signer was not given it (its opening failed).
    Fixture f("", "", "  broken:\n    driver: file\n    config:\n      file: /nonexistent\n");
    EXPECT_EQ(f.signer().health(), "vault `broken' (file) could not be initialized");
  }
  {
    Fixture f("", "", "  flaky:\n    driver: mem\n");
    EXPECT_EQ(f.signer().health(), "");  // never listed yet: nothing known to be wrong
    EXPECT_THROW(f.signer().keys(), Error);
    EXPECT_EQ(f.signer().health(), "cannot list keys: vault `flaky': backend unreachable");
    // The keys of the healthy vault still sign while the other one is down.
    const json& v = auth_vector("auth/ed25519_3/ed25519_0");
    expect_signed(f.sign(v.at("request_pkh"), v.at("data_hex"), std::nullopt), "ed25519_0",
                  v.at("data_hex"));
    // An unknown key while a vault is down: the vault's error, not "not found".
    HttpResponse unknown = f.call("GET", "/keys/" + pkh("ed25519_2"));
    EXPECT_EQ(unknown.status, 503);
    EXPECT_EQ(error_msg(unknown), "backend unreachable");
    f.healthy = true;
    // The probe answers from the last listing and asks for a new one in the background.
    EXPECT_EQ(f.signer().health(), "cannot list keys: vault `flaky': backend unreachable");
    f.signer().key_directory().wait_refreshed();
    EXPECT_EQ(f.signer().health(), "") << "the background listing saw the vault again";
    EXPECT_EQ(f.call("GET", "/keys/" + pkh("ed25519_2")).status, 404);
  }
}

}  // namespace
}  // namespace signatory::server
