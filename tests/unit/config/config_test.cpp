// Tests of config.cpp: loading every section of signatory.yaml, defaults, anchors and merge
// keys, the AWS KMS setup guide example, error messages with file:line and unknown-key
// warnings. Keys and chain ids come from the test vectors.
#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "common/error.h"
#include "config/testdata_keys.h"

namespace signatory::config {
namespace {

using testdata::fill;
using testdata::test_key;

std::string data_path(const std::string& name) {
  return std::string(SIGNATORY_SOURCE_DIR) + "/tests/unit/config/data/" + name;
}

// Every {id_pk} / {id_pkh} placeholder of the test files, and the chain ids.
std::map<std::string, std::string> key_values() {
  std::map<std::string, std::string> v;
  for (const char* id : {"ed25519_0", "ed25519_1", "ed25519_2", "secp256k1_0", "secp256k1_1",
                         "p256_0", "p256_1", "bls12_381_0"}) {
    const auto k = test_key(id);
    v[std::string(id) + "_pk"] = k.public_key;
    v[std::string(id) + "_pkh"] = k.public_key_hash;
  }
  v["mainnet"] = testdata::chain_id("Tezos mainnet");
  v["ghostnet"] = testdata::chain_id("Ghostnet");
  return v;
}

Config parse(const std::string& yaml) {
  return parse_config(fill(yaml, key_values()), "signatory.yaml");
}

// The message of the Error(400) that parsing `yaml` throws ("" if none).
std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << yaml;
  return "";
}

std::vector<std::string> base58(const std::vector<tezos::PublicKey>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.to_base58());
  return out;
}

bool has_warning(const Config& c, const std::string& text) {
  return std::find(c.warnings.begin(), c.warnings.end(), text) != c.warnings.end();
}

std::string warnings_of(const Config& c) {
  std::string out;
  for (const auto& w : c.warnings) out += w + "\n";
  return out;
}

using Strings = std::vector<std::string>;

TEST(ConfigLoad, EmptyFileGivesSignatoryDefaults) {
  const Config c = parse_config("", "empty.yaml");
  EXPECT_EQ(c.path, "empty.yaml");
  EXPECT_EQ(c.server.address, ":6732");
  EXPECT_EQ(c.server.utility_address, ":9583");
  EXPECT_EQ(c.base_dir, "/var/lib/signatory");
  EXPECT_EQ(c.watermark.driver, "file");
  EXPECT_TRUE(c.server.authorized_keys.empty());
  EXPECT_TRUE(c.server.jwt_users.empty());
  EXPECT_FALSE(c.server.tls);
  EXPECT_TRUE(c.vaults.empty());
  EXPECT_FALSE(c.policy_hook);
  EXPECT_TRUE(c.policies.empty());
  EXPECT_TRUE(c.warnings.empty());
  // Null sections keep the defaults too.
  const Config n = parse_config("server:\nwatermark:\nbase_dir:\ntezos:\n", "null.yaml");
  EXPECT_EQ(n.server.address, ":6732");
  EXPECT_EQ(n.watermark.driver, "file");
  EXPECT_EQ(n.base_dir, "/var/lib/signatory");
}

TEST(ConfigLoad, EverySectionOfTheSchema) {
  ASSERT_EQ(setenv("SIGNATORY_TEST_HOME", "/tmp/sig-home", 1), 0);
  const std::string text = fill(testdata::read_text(data_path("full.yaml")), key_values());
  const Config c = parse_config(text, "full.yaml");
  EXPECT_EQ(warnings_of(c), "");

  EXPECT_EQ(c.base_dir, "/tmp/sig-home/signatory");
  EXPECT_EQ(c.server.address, "127.0.0.1:7732");
  EXPECT_EQ(c.server.utility_address, "[::1]:9584");
  // Nested sequences flattened, in order.
  EXPECT_EQ(base58(c.server.authorized_keys),
            (Strings{test_key("ed25519_1").public_key, test_key("secp256k1_1").public_key,
                     test_key("p256_1").public_key}));

  ASSERT_EQ(c.server.jwt_users.size(), 2u);
  const JwtUser& alice = c.server.jwt_users[0];
  EXPECT_EQ(alice.name, "alice");
  EXPECT_EQ(alice.current.password.as_string(), "Passw0rd!Passw0rd!");
  EXPECT_EQ(alice.current.secret.as_string(), "S3cret!S3cret!S3cret!S3cret!S3cret!");
  EXPECT_EQ(alice.current.jwt_exp_minutes, 30u);
  EXPECT_EQ(alice.old_cred_exp, "2030-01-31 23:59:59");
  ASSERT_TRUE(alice.new_data);
  EXPECT_EQ(alice.new_data->password.as_string(), "N3w-Passw0rd!Passw0rd!");
  EXPECT_EQ(alice.new_data->secret.as_string(), "N3w-S3cret!S3cret!S3cret!S3cret!S3cret!");
  EXPECT_EQ(alice.new_data->jwt_exp_minutes, 60u) << "jwt_exp 0 means 60 minutes";
  const JwtUser& bob = c.server.jwt_users[1];
  EXPECT_EQ(bob.name, "bob");
  EXPECT_EQ(bob.current.jwt_exp_minutes, 60u) << "absent jwt_exp means 60 minutes";
  EXPECT_EQ(bob.old_cred_exp, "");
  EXPECT_FALSE(bob.new_data);

  ASSERT_TRUE(c.server.tls);
  EXPECT_EQ(c.server.tls->cert_file, "/etc/signatory/cert.pem");
  EXPECT_EQ(c.server.tls->key_file, "/etc/signatory/key.pem");
  EXPECT_EQ(c.server.tls->client_ca_file, "/etc/signatory/ca.pem");

  ASSERT_EQ(c.vaults.size(), 2u);
  EXPECT_EQ(c.vaults[0].name, "local");
  EXPECT_EQ(c.vaults[0].driver, "file");
  EXPECT_EQ(c.vaults[0].file, "full.yaml");
  EXPECT_EQ(c.vaults[0].line, 28);
  ASSERT_TRUE(c.vaults[0].config.is_scalar());
  EXPECT_EQ(c.vaults[0].config.text(), "/etc/signatory/secret_keys.json");
  EXPECT_EQ(c.vaults[1].name, "kms");
  EXPECT_EQ(c.vaults[1].driver, "awskms");
  EXPECT_EQ(c.vaults[1].line, 31);
  ASSERT_TRUE(c.vaults[1].config.is_mapping());
  EXPECT_EQ(c.vaults[1].config.find("region")->text(), "eu-west-1");

  EXPECT_EQ(c.watermark.driver, "mem");
  EXPECT_EQ(c.watermark.config.find("anything")->text(), "kept");

  ASSERT_TRUE(c.policy_hook);
  EXPECT_EQ(c.policy_hook->address, "http://localhost:8080/hook");
  EXPECT_EQ(base58(c.policy_hook->authorized_keys), (Strings{test_key("ed25519_2").public_key}));

  ASSERT_EQ(c.policies.size(), 3u);
  EXPECT_EQ(c.policies[0].first.to_base58(), test_key("ed25519_0").public_key_hash);
  const KeyPolicy& dflt = c.policies[0].second;
  EXPECT_EQ(dflt.allowed_requests, (Strings{"block", "preattestation", "attestation"}));
  EXPECT_FALSE(dflt.allowed_operations);
  EXPECT_FALSE(dflt.allow_proof_of_possession);

  EXPECT_EQ(c.policies[1].first.to_base58(), test_key("secp256k1_0").public_key_hash);
  const KeyPolicy& baker = c.policies[1].second;
  EXPECT_EQ(baker.allowed_requests, (Strings{"attestation", "block", "generic", "preattestation"}));
  ASSERT_TRUE(baker.allowed_operations);
  EXPECT_EQ(*baker.allowed_operations, (Strings{"ballot:yay", "stake", "transaction"}));
  ASSERT_EQ(baker.allowed_chains.size(), 2u);
  EXPECT_EQ(baker.allowed_chains[0].to_base58(), "NetXdQprcVkpaWU");
  EXPECT_EQ(baker.allowed_chains[1].to_base58(), "NetXnHfVqm9iesp");
  EXPECT_TRUE(baker.log_payloads);
  ASSERT_TRUE(baker.authorized_keys);
  EXPECT_EQ(base58(*baker.authorized_keys), (Strings{test_key("ed25519_1").public_key}));
  ASSERT_TRUE(baker.jwt_users);
  EXPECT_EQ(*baker.jwt_users, (Strings{"alice"}));
  EXPECT_FALSE(baker.legacy_syntax);

  EXPECT_EQ(c.policies[2].first.to_base58(), test_key("bls12_381_0").public_key_hash);
  EXPECT_EQ(c.policies[2].second.allowed_requests, (Strings{"pack"}));
  EXPECT_TRUE(c.policies[2].second.allow_proof_of_possession);

  const auto pkh = tezos::PublicKeyHash::parse(test_key("secp256k1_0").public_key_hash);
  EXPECT_EQ(c.policy_for(pkh), &c.policies[1].second);
  EXPECT_EQ(c.policy_for(tezos::PublicKeyHash::parse(test_key("p256_0").public_key_hash)), nullptr);
}

// Signatory's AWS KMS setup guide: legacy syntax, `endorsement` in allowed_kinds, an anchor on a
// scalar key reused in a list, `{…}` placeholders left in the vault config.
TEST(ConfigLoad, AwsKmsSetupGuideExampleLoads) {
  const auto key = test_key("p256_0");
  const auto client = test_key("ed25519_0");
  std::string text = testdata::read_text(data_path("aws_kms_guide.yaml"));
  text = fill(text, {{"public_key_hash", key.public_key_hash}});
  const std::string edpk_placeholder = "edpk\u2026";
  text.replace(text.find(edpk_placeholder), edpk_placeholder.size(), client.public_key);
  const std::string path = testing::TempDir() + "signatory_guide.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  const Config c = load_config(path);
  EXPECT_EQ(c.path, path);

  EXPECT_EQ(base58(c.server.authorized_keys), (Strings{client.public_key}));
  ASSERT_EQ(c.vaults.size(), 1u);
  EXPECT_EQ(c.vaults[0].name, "awskms");
  EXPECT_EQ(c.vaults[0].driver, "awskms");
  EXPECT_EQ(c.vaults[0].line, 6);
  ASSERT_TRUE(c.vaults[0].config.is_mapping());
  EXPECT_TRUE(c.vaults[0].config.find("region"));

  ASSERT_EQ(c.policies.size(), 1u);
  EXPECT_EQ(c.policies[0].first.to_base58(), key.public_key_hash);
  const KeyPolicy& p = c.policies[0].second;
  EXPECT_TRUE(p.legacy_syntax);
  EXPECT_EQ(p.legacy_allowed_operations, (Strings{"generic", "block", "endorsement"}));
  EXPECT_EQ(p.legacy_allowed_kinds,
            (Strings{"transaction", "endorsement", "reveal", "delegation"}));
  EXPECT_EQ(p.allowed_requests, (Strings{"attestation", "block", "generic"}));
  ASSERT_TRUE(p.allowed_operations);
  EXPECT_EQ(*p.allowed_operations, (Strings{"attestation", "delegation", "reveal", "transaction"}));
  EXPECT_TRUE(p.log_payloads);
  ASSERT_TRUE(p.authorized_keys);
  EXPECT_EQ(base58(*p.authorized_keys), (Strings{client.public_key}));

  const std::string at = path + ":14: tezos." + key.public_key_hash + ": ";
  EXPECT_TRUE(has_warning(c, at +
                                 "`allowed_operations` and `allowed_kinds` options are deprecated. "
                                 "Use `allow` instead:\n"
                                 "allow:\n"
                                 "  attestation:\n"
                                 "  block:\n"
                                 "  generic:\n"
                                 "    - attestation\n"
                                 "    - delegation\n"
                                 "    - reveal\n"
                                 "    - transaction\n"))
      << warnings_of(c);
  const std::string renamed =
      "Deprecated configuration detected: 'endorsement' should be replaced with 'attestation'";
  EXPECT_TRUE(has_warning(
      c, path + ":16: tezos." + key.public_key_hash + ": allowed_operations: " + renamed))
      << warnings_of(c);
  EXPECT_TRUE(
      has_warning(c, path + ":17: tezos." + key.public_key_hash + ": allowed_kinds: " + renamed))
      << warnings_of(c);
  EXPECT_EQ(c.warnings.size(), 3u) << warnings_of(c);
}

TEST(ConfigLoad, AuthorizedKeysScalarAliasAndNestedLists) {
  const Config c = parse(R"(
server:
  authorized_keys: {ed25519_0_pk}
policy_hook:
  address: https://hook.example/check
  authorized_keys:
    - &k1 {secp256k1_0_pk}
    - [[{p256_0_pk}], *k1]
)");
  EXPECT_EQ(base58(c.server.authorized_keys), (Strings{test_key("ed25519_0").public_key}));
  ASSERT_TRUE(c.policy_hook);
  EXPECT_EQ(base58(c.policy_hook->authorized_keys),
            (Strings{test_key("secp256k1_0").public_key, test_key("p256_0").public_key,
                     test_key("secp256k1_0").public_key}));
}

TEST(ConfigLoad, AliasOfAWholeListOfKeys) {
  const Config c = parse(R"(
server:
  authorized_keys: &clients
    - {ed25519_0_pk}
    - {ed25519_1_pk}
tezos:
  {p256_0_pkh}:
    authorized_keys: *clients
  {p256_1_pkh}:
    authorized_keys:
      - *clients
      - {secp256k1_0_pk}
)");
  ASSERT_EQ(c.policies.size(), 2u);
  const Strings clients{test_key("ed25519_0").public_key, test_key("ed25519_1").public_key};
  EXPECT_EQ(base58(*c.policies[0].second.authorized_keys), clients);
  Strings more = clients;
  more.push_back(test_key("secp256k1_0").public_key);
  EXPECT_EQ(base58(*c.policies[1].second.authorized_keys), more);
}

TEST(ConfigLoad, MergeKeysShareAPolicy) {
  const Config c = parse(R"(
tezos:
  {ed25519_0_pkh}: &baker
    allow:
      block:
      attestation:
    log_payloads: true
  {ed25519_1_pkh}:
    <<: *baker
    log_payloads: false
)");
  ASSERT_EQ(c.policies.size(), 2u);
  EXPECT_EQ(c.policies[1].second.allowed_requests, (Strings{"attestation", "block"}));
  EXPECT_FALSE(c.policies[1].second.log_payloads) << "an explicit key wins over a merged one";
  EXPECT_TRUE(c.policies[0].second.log_payloads);
}

TEST(ConfigLoad, BaseDirOverrideAndExpansion) {
  ASSERT_EQ(setenv("SIGNATORY_TEST_HOME", "/home/baker", 1), 0);
  ASSERT_EQ(unsetenv("SIGNATORY_TEST_UNSET"), 0);
  EXPECT_EQ(parse_config("base_dir: $SIGNATORY_TEST_HOME/sig\n", "a").base_dir, "/home/baker/sig");
  EXPECT_EQ(parse_config("base_dir: /x/${SIGNATORY_TEST_UNSET}y\n", "a").base_dir, "/x/y");
  // --base-dir wins over the file and is expanded too.
  EXPECT_EQ(
      parse_config("base_dir: /ignored\n", "a", std::string("${SIGNATORY_TEST_HOME}/o")).base_dir,
      "/home/baker/o");
  // Other values are never expanded.
  const Config c = parse_config(
      "vaults:\n  v:\n    driver: file\n    config: $SIGNATORY_TEST_HOME/keys.json\n", "a");
  EXPECT_EQ(c.vaults[0].config.text(), "$SIGNATORY_TEST_HOME/keys.json");
  EXPECT_EQ(error_of("base_dir: ${SIGNATORY_TEST_UNSET}\n"),
            "signatory.yaml:1: base_dir: must not be empty");
}

TEST(ConfigLoad, WatermarkKeepsDefaultDriverWhenOnlyConfigIsGiven) {
  const Config c = parse_config("watermark:\n  config:\n    table: wm\n", "a");
  EXPECT_EQ(c.watermark.driver, "file");
  EXPECT_EQ(c.watermark.config.find("table")->text(), "wm");
}

TEST(ConfigLoad, JwtAndAuthorizedKeysTogetherLoad) {
  // Signatory refuses this combination when the server starts, not when loading.
  const Config c = parse(R"(
server:
  authorized_keys: [{ed25519_0_pk}]
  jwt:
    users:
      alice:
        password: "Passw0rd!Passw0rd!"
        secret: "S3cret!S3cret!S3cret!S3cret!S3cret!"
)");
  EXPECT_EQ(c.server.authorized_keys.size(), 1u);
  EXPECT_EQ(c.server.jwt_users.size(), 1u);
}

TEST(ConfigLoad, PolicyHookWithoutAddressIsDisabled) {
  const Config c = parse_config("policy_hook:\n  authorized_keys: []\n", "a.yaml");
  EXPECT_FALSE(c.policy_hook);
  EXPECT_TRUE(
      has_warning(c, "a.yaml:2: policy_hook: address is empty: the policy hook is disabled"))
      << warnings_of(c);
}

TEST(ConfigWarnings, UnknownKeysAreWarnedWithFileLineAndPath) {
  const std::string pkh = test_key("ed25519_0").public_key_hash;
  const Config c = parse(R"(server:
  adress: ":1"
vaults:
  v:
    driver: mem
    confg: []
tezos:
  {ed25519_0_pkh}:
    allow:
      block:
    alow_chains: []
colour: blue
)");
  EXPECT_EQ(c.server.address, ":6732");
  EXPECT_TRUE(has_warning(c, "signatory.yaml:2: server.adress: unknown key, ignored"));
  EXPECT_TRUE(has_warning(c, "signatory.yaml:6: vaults.v.confg: unknown key, ignored"));
  EXPECT_TRUE(
      has_warning(c, "signatory.yaml:11: tezos." + pkh + ": alow_chains: unknown key, ignored"));
  EXPECT_TRUE(has_warning(c, "signatory.yaml:12: colour: unknown key, ignored"));
  EXPECT_EQ(c.warnings.size(), 4u) << warnings_of(c);
}

TEST(ConfigErrors, MissingFile) {
  try {
    load_config("/nonexistent-dir/signatory.yaml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_EQ(std::string(e.what()),
              "Config file permission error: file does not exist: /nonexistent-dir/signatory.yaml");
  }
}

TEST(ConfigErrors, DirectoryIsNotAConfigFile) {
  EXPECT_THROW(load_config(testing::TempDir()), Error);
}

TEST(ConfigErrors, InvalidYaml) {
  const std::string m = error_of("server:\n  address: [\n");
  EXPECT_EQ(m.rfind("signatory.yaml:", 0), 0u) << m;
  EXPECT_NE(m.find("invalid YAML"), std::string::npos) << m;
  const std::string deep = error_of("server: " + std::string(5000, '[') + std::string(5000, ']'));
  EXPECT_EQ(deep.rfind("signatory.yaml:1: invalid YAML: nested too deeply", 0), 0u) << deep;
  EXPECT_EQ(error_of("just a scalar\n"),
            "signatory.yaml:1: expected a mapping at the top of the file, got a scalar");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(error_of("server:\n  address: [a, b]\n"),
            "signatory.yaml:2: server.address: expected a string, got a sequence");
  EXPECT_EQ(error_of("server: 12\n"), "signatory.yaml:1: server: expected a mapping, got a scalar");
  EXPECT_EQ(error_of("vaults:\n  - driver: file\n"),
            "signatory.yaml:2: vaults: expected a mapping, got a sequence");
  EXPECT_EQ(error_of("tezos:\n  {ed25519_0_pkh}:\n    log_payloads: maybe\n"),
            "signatory.yaml:3: tezos." + test_key("ed25519_0").public_key_hash +
                ": log_payloads: expected true or false, got `maybe'");
  EXPECT_EQ(error_of("tezos:\n  {ed25519_0_pkh}: [block]\n"),
            "signatory.yaml:2: tezos." + test_key("ed25519_0").public_key_hash +
                ": expected a policy mapping, got a sequence");
  EXPECT_EQ(error_of("tezos:\n  {ed25519_0_pkh}:\n    allow: [block]\n"),
            "signatory.yaml:3: tezos." + test_key("ed25519_0").public_key_hash +
                ": allow: expected a mapping of request kinds, got a sequence");
  EXPECT_EQ(error_of("tezos:\n  {ed25519_0_pkh}:\n    allowed_operations: block\n"),
            "signatory.yaml:3: tezos." + test_key("ed25519_0").public_key_hash +
                ": allowed_operations: expected a sequence, got a scalar");
  const std::string jwt = "server:\n  jwt:\n    users:\n      alice:\n        jwt_exp: ";
  EXPECT_EQ(error_of(jwt + "-5\n"),
            "signatory.yaml:5: server.jwt.users.alice.jwt_exp: expected a non-negative integer, "
            "got `-5'");
  EXPECT_EQ(error_of(jwt + "99999999999\n"),
            "signatory.yaml:5: server.jwt.users.alice.jwt_exp: `99999999999' is too large (at most "
            "4294967295)");
  EXPECT_EQ(error_of("server:\n  jwt:\n    users:\n      alice: secret\n"),
            "signatory.yaml:4: server.jwt.users.alice: expected a mapping with password and "
            "secret, got a scalar");
  EXPECT_EQ(error_of("server:\n  jwt:\n    users:\n      alice:\n        old_cred_exp: "
                     "\"2030-02-30 00:00:00\"\n"),
            "signatory.yaml:5: server.jwt.users.alice.old_cred_exp: expected a UTC time "
            "\"YYYY-MM-DD hh:mm:ss\", got `2030-02-30 00:00:00'");
}

TEST(ConfigErrors, SecretValuesAreNeverEchoed) {
  const std::string password = "Sup3r-S3cret-Passw0rd!";
  const std::string m =
      error_of("server:\n  jwt:\n    users:\n      alice:\n        password: [" + password + "]\n");
  EXPECT_EQ(m,
            "signatory.yaml:5: server.jwt.users.alice.password: expected a string, got a "
            "sequence");
  EXPECT_EQ(m.find(password), std::string::npos);
  // A secret key pasted where a public key belongs.
  const std::string secret = testdata::tezos_vectors("keys.json").at("keys")[0].at("secret_key");
  const std::string k = error_of("server:\n  authorized_keys:\n    - " + secret + "\n");
  EXPECT_EQ(k,
            "signatory.yaml:3: server.authorized_keys: a secret key is not a public key (value "
            "not shown)");
}

// A secret key written by mistake where the config expects something else is redacted wherever
// a config error or warning quotes the config's text: keys of mappings (the path) and values.
TEST(ConfigErrors, SecretKeysAreRedactedWhereverConfigErrorsQuoteValues) {
  const auto& vectors = testdata::tezos_vectors("keys.json");
  const std::vector<std::string> secrets{
      vectors.at("keys")[0].at("secret_key"),   // edsk…
      vectors.at("keys")[4].at("secret_key"),   // spsk…
      vectors.at("keys")[12].at("secret_key"),  // BLsk…
      vectors.at("encrypted_keys")[0].at("encrypted_secret_key"),          // edesk…
  };
  const std::string plain = vectors.at("keys")[8].at("secret_key");  // p2sk…
  const std::vector<std::string> yamls{
      "tezos:\n  {S}:\n    allow:\n      block:\n",  // the pkh of a policy
      "tezos:\n  {ed25519_0_pkh}:\n    authorized_keys: [{S}]\n",
      "tezos:\n  {ed25519_0_pkh}:\n    allow:\n      {S}:\n",
      "tezos:\n  {ed25519_0_pkh}:\n    allow:\n      generic: [{S}]\n",
      "tezos:\n  {ed25519_0_pkh}:\n    allowed_operations: [{S}]\n",
      "tezos:\n  {ed25519_0_pkh}:\n    allowed_kinds: [{S}]\n",
      "tezos:\n  {ed25519_0_pkh}:\n    allowed_chains: [{S}]\n",
      "tezos:\n  {ed25519_0_pkh}:\n    log_payloads: {S}\n",
      "server:\n  address: {S}\n",
      "server:\n  jwt:\n    users:\n      {S}: x\n",
      "server:\n  jwt:\n    users:\n      alice:\n        jwt_exp: {S}\n",
      "server:\n  jwt:\n    users:\n      alice:\n        old_cred_exp: {S}\n",
      "policy_hook:\n  address: {S}\n",
      "policy_hook:\n  address: http://x\n  authorized_keys: {S}\n",
      "vaults:\n  {S}:\n    config: /tmp/x\n",
  };
  auto check = [](const std::string& message, const std::string& secret, const std::string& yaml) {
    EXPECT_EQ(message.find(secret), std::string::npos) << yaml << "\n" << message;
    // Nor any long piece of it.
    EXPECT_EQ(message.find(secret.substr(secret.size() - 16)), std::string::npos) << message;
  };
  for (std::string secret : {secrets[0], secrets[1], secrets[2], secrets[3],
                             "unencrypted:" + plain, "encrypted:" + secrets[3]}) {
    for (const std::string& yaml : yamls) {
      const std::string text = fill(yaml, {{"S", secret}});
      std::string message;
      try {
        parse(text);
      } catch (const Error& e) {
        message = e.what();
      }
      ASSERT_FALSE(message.empty()) << text;
      EXPECT_EQ(message.rfind("signatory.yaml:", 0), 0u) << message;
      check(message, secret, text);
    }
  }
  // The issue's case, in full.
  const std::string pkh_error =
      error_of("tezos:\n  " + secrets[0] + ":\n    allow:\n      block:\n");
  EXPECT_EQ(pkh_error.rfind("signatory.yaml:2: tezos.<secret key, not shown>: invalid public key "
                            "hash",
                            0),
            0u)
      << pkh_error;
  // Warnings (unknown keys) quote the path.
  const Config w = parse("tezos:\n  {ed25519_0_pkh}:\n    allow:\n      block:\n    " +
                         secrets[0] + ": 1\n" + plain + ": 2\n");
  ASSERT_EQ(w.warnings.size(), 2u) << warnings_of(w);
  for (const std::string& warning : w.warnings) {
    check(warning, secrets[0], "");
    check(warning, plain, "");
    EXPECT_NE(warning.find("<secret key, not shown>: unknown key, ignored"), std::string::npos)
        << warning;
  }
  // A driver's section: its option names and values reach the driver's errors (ConfigNode).
  const Config d = parse("vaults:\n  v:\n    driver: file\n    config:\n      " + plain +
                         ": " + secrets[0] + "\n");
  const ConfigNode& option = d.vaults.at(0).config.entries().at(0).value;
  const std::string driver_error = option.error("unknown option, got `" + option.text() + "'").what();
  check(driver_error, plain, "");
  check(driver_error, secrets[0], "");
  EXPECT_EQ(driver_error,
            "signatory.yaml:5: vaults.v.config.<secret key, not shown>: unknown option, got "
            "`<secret key, not shown>'");
  const std::string missing = d.vaults.at(0).config.error_at(secrets[1], "is required").what();
  check(missing, secrets[1], "");
}

TEST(ConfigErrors, InvalidAddresses) {
  EXPECT_EQ(error_of("server:\n  address: localhost\n"),
            "signatory.yaml:2: server.address: invalid address `localhost': missing port "
            "(expected host:port)");
  EXPECT_EQ(error_of("server:\n  utility_address: \":70000\"\n"),
            "signatory.yaml:2: server.utility_address: invalid address `:70000': port out of "
            "range (0-65535)");
  EXPECT_EQ(error_of("policy_hook:\n  address: localhost:8080\n"),
            "signatory.yaml:2: policy_hook.address: expected an http:// or https:// URL, got "
            "`localhost:8080'");
}

TEST(ConfigErrors, InvalidPublicKeyHash) {
  // A tz1 with a broken checksum, from the shared malformed-input vectors.
  std::string bad;
  for (const auto& m : testdata::tezos_vectors("base58.json").at("malformed")) {
    if (m.at("id") == "tz1_bad_checksum") bad = m.at("input");
  }
  ASSERT_FALSE(bad.empty());
  const std::string m = error_of("tezos:\n  " + bad + ":\n    allow:\n      block:\n");
  const std::string prefix = "signatory.yaml:2: tezos." + bad + ": invalid public key hash: ";
  EXPECT_EQ(m.substr(0, prefix.size()), prefix) << m;
  EXPECT_NE(m.find("checksum"), std::string::npos) << m;
  // A public key is not a key hash.
  const std::string pk = test_key("ed25519_0").public_key;
  EXPECT_EQ(error_of("tezos:\n  " + pk + ":\n")
                .rfind("signatory.yaml:2: tezos." + pk + ": invalid public key hash: ", 0),
            0u);
}

TEST(ConfigErrors, InvalidPublicKeyAndChainId) {
  const std::string m = error_of("server:\n  authorized_keys: [edpkNotAKey]\n");
  EXPECT_EQ(
      m.rfind("signatory.yaml:2: server.authorized_keys: invalid public key `edpkNotAKey': ", 0),
      0u)
      << m;
  const std::string pkh = test_key("ed25519_0").public_key_hash;
  const std::string c = error_of(
      "tezos:\n  {ed25519_0_pkh}:\n    allowed_chains:\n"
      "      - {mainnet}\n      - NetXbad\n");
  EXPECT_EQ(c.rfind("signatory.yaml:5: tezos." + pkh +
                        ": allowed_chains: invalid chain id "
                        "`NetXbad': ",
                    0),
            0u)
      << c;
  EXPECT_EQ(error_of("server:\n  authorized_keys:\n    key: value\n"),
            "signatory.yaml:3: server.authorized_keys: expected a public key or a list of public "
            "keys, got a mapping");
}

TEST(ConfigErrors, VaultWithoutDriver) {
  EXPECT_EQ(error_of("vaults:\n  local:\n    config: /tmp/x\n"),
            "signatory.yaml:2: vaults.local: driver is required");
  EXPECT_EQ(error_of("vaults:\n  local:\n"),
            "signatory.yaml:2: vaults.local: expected a mapping with `driver' and `config', got "
            "null");
  EXPECT_EQ(error_of("watermark:\n  driver: \"\"\n"),
            "signatory.yaml:2: watermark.driver: must not be empty");
}

TEST(ConfigErrors, TlsNeedsCertAndKey) {
  EXPECT_EQ(error_of("server:\n  tls:\n    cert: /c.pem\n"),
            "signatory.yaml:3: server.tls: key is required (path of the PEM private key)");
}

TEST(ConfigErrors, DuplicateKeys) {
  EXPECT_EQ(error_of("server:\n  address: \":1\"\n  address: \":2\"\n"),
            "signatory.yaml:3: server.address: duplicate key (first written at line 2)");
  const std::string pkh = test_key("ed25519_0").public_key_hash;
  EXPECT_EQ(error_of("tezos:\n  {ed25519_0_pkh}:\n  {ed25519_0_pkh}:\n"),
            "signatory.yaml:3: tezos." + pkh + ": duplicate key (first written at line 2)");
}

TEST(ConfigErrors, AliasCyclesAndExplosionsAreRefused) {
  const std::string cycle = error_of("server:\n  authorized_keys: &a [*a]\n");
  EXPECT_NE(cycle.find("nested too deeply"), std::string::npos) << cycle;
  std::string bomb = "x: &k0 [{ed25519_0_pk}, {ed25519_0_pk}, {ed25519_0_pk}, {ed25519_0_pk}]\n";
  for (int i = 1; i <= 8; ++i) {
    const std::string n = std::to_string(i);
    const std::string prev = "*k" + std::to_string(i - 1);
    bomb += "x" + n + ": &k" + n + " [" + prev + ", " + prev + ", " + prev + ", " + prev + "]\n";
  }
  bomb += "server:\n  authorized_keys: *k8\n";
  const std::string m = error_of(bomb);
  EXPECT_NE(m.find("too many authorized keys"), std::string::npos) << m;
  EXPECT_EQ(error_of("server: &m\n  <<: *m\n"),
            "signatory.yaml:1: server: merge keys (<<) nested too deeply or in a cycle");
}

}  // namespace
}  // namespace signatory::config
