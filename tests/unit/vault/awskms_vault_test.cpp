// The `awskms` vault (src/vault/awskms/) over the in-process fake KMS: which keys a listing keeps
// and skips (curve, usage, state, access), over several ListKeys pages; the public key cache
// (one KMS call per sign request); signatures verified independently with OpenSSL over a
// libsodium BLAKE2b digest, low-S on secp256k1 even when KMS returns high-S, P-256 untouched;
// sign errors and their statuses; concurrent signing; and the driver config.
#include "vault/awskms/awskms_vault.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <thread>

#include "../aws/scripted_transport.h"
#include "aws/kms_client.h"
#include "common/error.h"
#include "fake_kms.h"
#include "openssl_ecdsa_check.h"
#include "vault/awskms/awskms_config.h"

namespace signatory::vault {
namespace {

using aws::testing::FakeKey;
using aws::testing::FakeKms;
using testing::compressed_point;
using testing::independently_valid;
using testing::s_is_low;

Bytes payload(int i) {
  Bytes m(1 + 32 + 40);
  m[0] = 0x03;  // generic operation
  randombytes_buf(m.data() + 1, m.size() - 1);
  m[1] = static_cast<std::uint8_t>(i);
  return m;
}

struct VaultFixture {
  std::shared_ptr<FakeKms> kms = std::make_shared<FakeKms>();
  std::unique_ptr<Vault> vault;
  AwsKmsVaultOptions options;

  void open() {
    aws::KmsClientOptions o;
    o.region = "us-east-1";
    o.endpoint = aws::parse_endpoint("https://kms.us-east-1.amazonaws.com");
    o.sleep = [](std::chrono::milliseconds) {};
    aws::Credentials c;
    c.access_key_id = "AKIDEXAMPLE";
    c.secret_access_key = crypto::SecretBytes::from_string("secret");
    vault = make_awskms_vault(std::make_shared<aws::KmsClient>(std::move(o), std::move(c), kms),
                              options);
  }
};

// The code of the Error `f` throws; nullopt when it throws none.
std::optional<ErrorCode> code_of(const std::function<void()>& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (msg) *msg = e.what();
    return e.code();
  }
  return std::nullopt;
}

TEST(AwsKmsVault, ListingKeepsUsableKeysAndSkipsTheRest) {
  VaultFixture f;
  FakeKey& k1 = f.kms->add_key("ECC_SECG_P256K1");
  f.kms->add_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
  f.kms->add_key("ECC_NIST_P384");
  FakeKey& p256 = f.kms->add_key("ECC_NIST_P256");
  f.kms->add_key("RSA_2048");
  f.kms->add_key("ECC_NIST_P256").state = "Disabled";
  f.kms->add_key("ECC_SECG_P256K1").state = "PendingDeletion";
  f.kms->add_key("ECC_NIST_P256").access_denied = true;
  f.kms->add_key("ECC_NIST_P256", "ENCRYPT_DECRYPT");
  f.open();
  EXPECT_EQ(f.vault->type_label(), "AWSKMS");

  auto keys = f.vault->list();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0]->id(), k1.arn);
  EXPECT_EQ(keys[0]->public_key().type(), tezos::KeyType::Secp256k1);
  EXPECT_EQ(keys[0]->public_key().bytes(), compressed_point(k1.pkey.get()));
  EXPECT_EQ(keys[1]->id(), p256.arn);
  EXPECT_EQ(keys[1]->public_key().type(), tezos::KeyType::P256);
  EXPECT_EQ(keys[1]->public_key().bytes(), compressed_point(p256.pkey.get()));
  EXPECT_EQ(f.kms->calls("ListKeys"), 5);  // 9 keys, 2 per page
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 9);

  // Second listing: cached keys, keys that can never sign, and keys in a state that may
  // change (disabled, pending deletion, access denied) cost no GetPublicKey: the last are
  // remembered for a while (AwsKmsVaultOptions::unusable_retry).
  f.kms->reset_calls();
  auto again = f.vault->list();
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].get(), keys[0].get());
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 0);
}

TEST(AwsKmsVault, UnusableKeysAreAskedAgainOnlyAfterTheirTime) {
  VaultFixture f;
  f.options.unusable_retry = std::chrono::milliseconds(0);  // their time is over at once
  f.options.listing_parallelism = 4;
  f.kms->add_key("ECC_SECG_P256K1");
  FakeKey& disabled = f.kms->add_key("ECC_NIST_P256");
  disabled.state = "Disabled";
  f.kms->add_key("ECC_NIST_P384");  // can never sign: never asked again
  for (int i = 0; i < 20; ++i) f.kms->add_key("ECC_NIST_P256").access_denied = true;
  f.open();
  EXPECT_EQ(f.vault->list().size(), 1u);
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 23);
  f.kms->reset_calls();
  disabled.state = "Enabled";
  auto keys = f.vault->list();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1]->id(), disabled.arn);
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 21);
}

TEST(AwsKmsVault, KeysLeftWhenTheBudgetIsSpentAreDescribedByTheNextListing) {
  VaultFixture f;
  f.options.listing_budget = std::chrono::milliseconds(0);  // spent before the first key
  f.kms->add_key("ECC_SECG_P256K1");
  f.kms->add_key("ECC_NIST_P256").state = "Disabled";
  f.open();
  EXPECT_TRUE(f.vault->list().empty());
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 0);
  // A listing with time left (here a vault over the same KMS) describes both.
  f.options.listing_budget = std::chrono::hours(1);
  f.open();
  EXPECT_EQ(f.vault->list().size(), 1u);
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 2);
}

TEST(AwsKmsVault, AKeyThatIsNotFoundIsRememberedAndListingOrderIsKept) {
  VaultFixture f;
  f.options.listing_parallelism = 8;
  std::vector<std::string> usable;
  for (int i = 0; i < 30; ++i) {
    FakeKey& k = f.kms->add_key(i % 3 == 0 ? "ECC_SECG_P256K1" : "ECC_NIST_P256");
    if (i % 2 == 0)
      k.state = "Disabled";
    else
      usable.push_back(k.arn);
  }
  f.kms->page_size = 7;
  f.open();
  auto keys = f.vault->list();
  std::vector<std::string> ids;
  for (const auto& k : keys) ids.push_back(k->id());
  EXPECT_EQ(ids, usable);  // ListKeys order, whatever order the parallel calls ended in
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 30);
  f.kms->reset_calls();
  EXPECT_EQ(f.vault->list().size(), usable.size());
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 0);
  EXPECT_EQ(f.vault->max_concurrent_calls(), 32u);
}

TEST(AwsKmsVault, EverySignatureVerifiesIndependentlyAndCostsOneCall) {
  VaultFixture f;
  FakeKey& k1 = f.kms->add_key("ECC_SECG_P256K1");
  FakeKey& p256 = f.kms->add_key("ECC_NIST_P256");
  f.open();
  auto keys = f.vault->list();
  ASSERT_EQ(keys.size(), 2u);
  f.kms->reset_calls();
  int high_s_seen = 0;
  for (int i = 0; i < 40; ++i) {
    // Every other signature KMS returns is forced to high-S.
    k1.force_high_s = p256.force_high_s = (i % 2 == 1);
    Bytes m = payload(i);
    tezos::Signature s1 = keys[0]->sign(m, 2);
    EXPECT_EQ(s1.form(), tezos::Signature::Form::Secp256k1);
    EXPECT_EQ(s1.to_base58().rfind("spsig1", 0), 0u);
    EXPECT_TRUE(independently_valid(k1.pkey.get(), m, s1.bytes())) << i;
    EXPECT_TRUE(s_is_low(NID_secp256k1, s1.bytes())) << "secp256k1 signature " << i << " is high-S";

    tezos::Signature s2 = keys[1]->sign(m, 2);
    EXPECT_EQ(s2.form(), tezos::Signature::Form::P256);
    EXPECT_EQ(s2.to_base58().rfind("p2sig", 0), 0u);
    EXPECT_TRUE(independently_valid(p256.pkey.get(), m, s2.bytes())) << i;
    if (i % 2 == 1) {
      EXPECT_FALSE(s_is_low(NID_X9_62_prime256v1, s2.bytes()))
          << "P-256 signature " << i << " was changed";
      ++high_s_seen;
    }
  }
  EXPECT_EQ(f.kms->calls("Sign"), 80);
  EXPECT_EQ(f.kms->calls("GetPublicKey"), 0);
  EXPECT_EQ(f.kms->calls("ListKeys"), 0);
  EXPECT_EQ(high_s_seen, 20);
}

TEST(AwsKmsVault, SignErrorsCarryKeyAndStatus) {
  VaultFixture f;
  FakeKey& k = f.kms->add_key("ECC_NIST_P256");
  f.open();
  auto keys = f.vault->list();
  ASSERT_EQ(keys.size(), 1u);
  Bytes m = payload(1);
  std::string msg;

  k.corrupt = true;
  EXPECT_EQ(code_of([&] { keys[0]->sign(m, 2); }, &msg), ErrorCode::UpstreamFailure);
  EXPECT_NE(msg.find("(AWSKMS/" + k.arn + "): the signature AWS KMS returned does not verify"),
            std::string::npos)
      << msg;
  k.corrupt = false;

  k.bad_der = true;
  EXPECT_EQ(code_of([&] { keys[0]->sign(m, 2); }, &msg), ErrorCode::UpstreamFailure);
  EXPECT_NE(msg.find("(AWSKMS/" + k.arn + "): "), std::string::npos) << msg;
  k.bad_der = false;

  k.state = "Disabled";
  EXPECT_EQ(code_of([&] { keys[0]->sign(m, 2); }, &msg), ErrorCode::Forbidden);
  EXPECT_NE(msg.find("DisabledException"), std::string::npos) << msg;
  k.state = "PendingDeletion";
  EXPECT_EQ(code_of([&] { keys[0]->sign(m, 2); }, &msg), ErrorCode::Forbidden);
  EXPECT_NE(msg.find("KMSInvalidStateException"), std::string::npos) << msg;
  k.state = "Enabled";
  k.access_denied = true;
  EXPECT_EQ(code_of([&] { keys[0]->sign(m, 2); }, &msg), ErrorCode::Forbidden);
  EXPECT_NE(msg.find("AccessDeniedException"), std::string::npos) << msg;
  k.access_denied = false;
  EXPECT_EQ(code_of([&] { keys[0]->sign(m, 2); }), std::nullopt);
}

TEST(AwsKmsVault, ConcurrentSigningAndListing) {
  VaultFixture f;
  FakeKey& k1 = f.kms->add_key("ECC_SECG_P256K1");
  FakeKey& p256 = f.kms->add_key("ECC_NIST_P256");
  f.open();
  auto keys = f.vault->list();
  ASSERT_EQ(keys.size(), 2u);
  std::atomic<int> valid{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        Bytes m = payload(t * 100 + i);
        auto& key = keys[(t + i) % 2];
        tezos::Signature s = key->sign(m, 2);
        EVP_PKEY* pk = (t + i) % 2 == 0 ? k1.pkey.get() : p256.pkey.get();
        if (independently_valid(pk, m, s.bytes())) ++valid;
        if (i % 5 == 0) f.vault->list();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(valid.load(), 40);
}

TEST(AwsKmsVault, EmptyAccountListsNothing) {
  VaultFixture f;
  f.open();
  EXPECT_TRUE(f.vault->list().empty());
}

TEST(AwsKmsVault, ListKeysFailureIsAFaultOfTheWholeVault) {
  auto transport = std::make_shared<aws::testing::ScriptedTransport>();
  transport->push(aws::testing::reply(
      400,
      R"({"__type":"AccessDeniedException","message":"not authorized to perform: kms:ListKeys"})"));
  aws::KmsClientOptions o;
  o.region = "us-east-1";
  o.endpoint = aws::parse_endpoint("https://kms.us-east-1.amazonaws.com");
  aws::Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = crypto::SecretBytes::from_string("secret");
  auto vault =
      make_awskms_vault(std::make_shared<aws::KmsClient>(std::move(o), std::move(c), transport));
  std::string msg;
  EXPECT_EQ(code_of([&] { vault->list(); }, &msg), ErrorCode::Forbidden);
  EXPECT_NE(
      msg.find("AWS KMS ListKeys at kms.us-east-1.amazonaws.com failed: AccessDeniedException"),
      std::string::npos)
      << msg;
}

config::VaultConfig vault_config(const std::string& yaml) {
  config::VaultConfig c;
  c.name = "kms";
  c.driver = "awskms";
  c.file = "signatory.yaml";
  c.line = 7;
  c.config = config::parse_config_node(yaml, "signatory.yaml", "vaults.kms.config");
  return c;
}

aws::EnvironmentReader empty_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME") return std::string("/nonexistent-home-for-test");
    return std::nullopt;
  };
}

std::string config_error(const std::string& yaml) {
  try {
    load_awskms_settings(vault_config(yaml), empty_env());
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.what();
  }
  return "(accepted)";
}

TEST(AwsKmsConfig, ReadsEveryKey) {
  AwsKmsSettings s = load_awskms_settings(
      vault_config("region: eu-west-1\naccess_key_id: AKIAEXAMPLE\nsecret_access_key: sk\n"
                   "session_token: tok\nuser_name: legacy\nendpoint: http://127.0.0.1:4566\n"
                   "timeout: 2s\nconnect_timeout: 500ms\nmax_attempts: 2\nca_file: /etc/ca.pem\n"
                   "max_concurrent_calls: 3\n"),
      empty_env());
  EXPECT_EQ(s.vault.max_concurrent_calls, 3u);
  EXPECT_EQ(s.client.region, "eu-west-1");
  EXPECT_EQ(s.client.endpoint.url, "http://127.0.0.1:4566/");
  EXPECT_EQ(s.client.max_attempts, 2);
  EXPECT_EQ(s.transport.total_timeout.count(), 2000);
  EXPECT_EQ(s.transport.connect_timeout.count(), 500);
  EXPECT_EQ(s.transport.ca_file, "/etc/ca.pem");
  EXPECT_EQ(s.credentials.access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(s.credentials.session_token.as_string(), "tok");
}

TEST(AwsKmsConfig, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(config_error("access_key_id: A\nsecret_access_key: B\n"),
            "signatory.yaml:7: vaults.kms: no AWS region: set `region' in the vault config (or "
            "AWS_REGION)");
  std::string msg =
      config_error("region: us-east-1\naccess_key_id: A\nsecret_access_key: B\ntimeout: fast\n");
  EXPECT_EQ(msg,
            "signatory.yaml:4: vaults.kms.config.timeout: expected a duration such as 5, 5s or "
            "500ms, got `fast'");
  msg = config_error(
      "region: us-east-1\naccess_key_id: A\nsecret_access_key: B\nendpoint: ftp://x\n");
  EXPECT_NE(msg.find("signatory.yaml:4: vaults.kms.config.endpoint: invalid endpoint `ftp://x'"),
            std::string::npos)
      << msg;
  msg =
      config_error("region: us-east-1\naccess_key_id: A\nsecret_access_key: B\nmax_attempts: 0\n");
  EXPECT_NE(msg.find("vaults.kms.config.max_attempts: expected a number from 1 to 10"),
            std::string::npos)
      << msg;
  msg = config_error(
      "region: us-east-1\naccess_key_id: A\nsecret_access_key: B\nmax_concurrent_calls: 0\n");
  EXPECT_NE(msg.find("signatory.yaml:4: vaults.kms.config.max_concurrent_calls: expected a "
                     "number from 1 to 256"),
            std::string::npos)
      << msg;
  msg = config_error("region: us-east-1\naccess_key_id: AKIAX\n");
  EXPECT_NE(msg.find("access_key_id is set but secret_access_key is not"), std::string::npos)
      << msg;
  msg = config_error("region: us-east-1\naccess_key_id: A\nsecret_access_key: [1, 2]\n");
  EXPECT_NE(msg.find("vaults.kms.config.secret_access_key: expected a string"), std::string::npos)
      << msg;
  msg = config_error("region: us-east-1\n");
  EXPECT_NE(msg.find("no AWS credentials found"), std::string::npos) << msg;
}

}  // namespace
}  // namespace signatory::vault
