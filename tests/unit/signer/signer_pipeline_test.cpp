// The sign pipeline as such, with a fake vault and a fake watermark store that record what
// reaches them, and an observer that records the stages: the order of the stages, and what
// each refusal leaves untouched (a refusal before decoding decodes nothing and lists no vault,
// a policy refusal never reaches the store or the vault, a store refusal never reaches the
// vault, a vault failure leaves the mark alone). Keys, payloads and client signatures come
// from the test vectors; signatures are checked with the keys' public keys.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "config/config.h"
#include "signer/signer.h"
#include "signer_test_keys.h"
#include "test_support.h"

namespace signatory::signer {
namespace {

using nlohmann::json;
using Events = std::vector<std::string>;

using test_keys::attestation;
using test_keys::pkh;
using test_keys::pkh_text;
using test_keys::public_key;
using test_keys::transaction;

// A key of the test vectors that records its use.
class RecordingKey : public vault::Key {
 public:
  RecordingKey(const std::string& id, Events& events)
      : secret_(
            tezos::SecretKey::parse(testing::tezos_key(id).at("secret_key").get<std::string>())),
        events_(events) {}
  const tezos::PublicKey& public_key() const override { return secret_.public_key(); }
  std::string id() const override { return "recording"; }
  tezos::Signature sign(ByteView message, int version) override {
    events_.push_back("vault.sign");
    if (failure) throw *failure;
    return secret_.sign(message, version);
  }
  std::optional<tezos::Signature> prove_possession() override {
    events_.push_back("vault.prove");
    return secret_.prove_possession();
  }
  std::optional<Error> failure;

 private:
  tezos::SecretKey secret_;
  Events& events_;
};

class FakeVault : public vault::Vault {
 public:
  explicit FakeVault(Events& events) : events_(events) {}
  std::string type_label() const override { return "Fake"; }
  std::vector<std::shared_ptr<vault::Key>> list() override {
    events_.push_back("vault.list");
    if (failure) throw *failure;
    return keys;
  }
  std::vector<std::shared_ptr<vault::Key>> keys;
  std::optional<Error> failure;

 private:
  Events& events_;
};

// A store that admits every request (unless told to refuse) and records the order of its steps.
class FakeStore : public watermark::Watermark {
 public:
  explicit FakeStore(Events& events) : events_(events) {}
  std::string backend_name() const override { return "fake"; }
  tezos::Signature guard(const watermark::Slot& slot, std::int32_t level, std::int32_t round,
                         const crypto::Digest32& digest,
                         const std::function<tezos::Signature()>& sign) override {
    events_.push_back("store.check");
    last_slot = slot;
    last_level = level;
    last_round = round;
    last_digest = digest;
    if (refusal) throw *refusal;
    tezos::Signature s = sign();
    if (durability_failure) throw *durability_failure;
    events_.push_back("store.durable");
    return s;
  }
  std::vector<std::pair<watermark::Slot, watermark::Mark>> marks() override { return {}; }
  watermark::RaiseResult raise(const watermark::Slot&, const watermark::Mark&) override {
    return {};
  }

  std::optional<Error> refusal;
  std::optional<Error> durability_failure;
  std::optional<watermark::Slot> last_slot;
  std::int32_t last_level = -1, last_round = -1;
  std::optional<crypto::Digest32> last_digest;

 private:
  Events& events_;
};

class RecordingObserver : public SignObserver {
 public:
  explicit RecordingObserver(Events& events) : events_(events) {}
  void signed_request(const tezos::PublicKeyHash&, const tezos::SignRequest&,
                      const std::string& vault, double) override {
    events_.push_back("signed by " + vault);
  }
  void policy_violation(const tezos::PublicKeyHash&, const std::string& violation) override {
    events_.push_back("policy_violation " + violation);
  }
  void watermark_rejected(const tezos::PublicKeyHash&, const tezos::SignRequest&) override {
    events_.push_back("watermark_rejected");
  }
  void vault_error(const std::string& vault, ErrorCode, const tezos::SignRequest&) override {
    events_.push_back("vault_error " + vault);
  }
  void authentication_failed(ErrorCode, const std::string& method, const std::string&) override {
    events_.push_back("authentication_failed " + method);
  }
  void stage(const char* name, double) override { events_.push_back(std::string("stage.") + name); }

 private:
  Events& events_;
};

// A Signer over one FakeVault holding ed25519_0 and bls12_381_0 and a FakeStore. Both keys are
// listed in `tezos:` with `policy` (lines under each key); `server` lines go under `server:`.
class Pipeline {
 public:
  explicit Pipeline(
      const std::string& policy = "    allow:\n      attestation:\n      generic: [transaction]\n",
      const std::string& server = "") {
    std::string yaml = "base_dir: /nonexistent\n";
    if (!server.empty()) yaml += "server:\n" + server;
    yaml += "tezos:\n";
    for (const char* id : {"ed25519_0", "bls12_381_0"})
      yaml += "  " + pkh_text(id) + ":\n" + policy;
    config_ = config::parse_config(yaml, "signatory.yaml");
    auto vault = std::make_unique<FakeVault>(events);
    vault_ = vault.get();
    ed_key_ = std::make_shared<RecordingKey>("ed25519_0", events);
    vault->keys = {ed_key_, std::make_shared<RecordingKey>("bls12_381_0", events)};
    auto store = std::make_unique<FakeStore>(events);
    store_ = store.get();
    std::vector<NamedVault> vaults;
    vaults.push_back({"fake", std::move(vault)});
    // Background listings start at once when asked for (tests wait for them).
    signer_ = std::make_unique<Signer>(config_, std::move(vaults), std::move(store), &observer_,
                                       KeyDirectoryOptions{std::chrono::milliseconds(0)});
  }

  Signer& signer() { return *signer_; }
  FakeVault& vault() { return *vault_; }
  FakeStore& store() { return *store_; }
  RecordingKey& ed_key() { return *ed_key_; }

  // The Error a call throws; fails the test if it throws none.
  template <class F>
  Error error_of(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "no Error thrown";
    return internal_error("none");
  }

  Events events;

 private:
  config::Config config_;
  RecordingObserver observer_{events};
  FakeVault* vault_ = nullptr;
  FakeStore* store_ = nullptr;
  std::shared_ptr<RecordingKey> ed_key_;
  std::unique_ptr<Signer> signer_;
};

bool reached(const Events& events, const std::string& what) {
  return std::find(events.begin(), events.end(), what) != events.end();
}

TEST(SignerPipeline, AConsensusRequestPassesEveryStageInOrder) {
  Pipeline p;
  const Bytes message = attestation();
  tezos::Signature sig = p.signer().sign(pkh("ed25519_0"), message, 2, Client{});
  EXPECT_TRUE(public_key("ed25519_0").verify(message, sig));
  EXPECT_EQ(p.events,
            (Events{"stage.decode", "vault.list", "stage.policy", "store.check", "vault.sign",
                    "store.durable", "stage.watermark", "stage.vault", "signed by Fake"}));
  // The store was asked about the request's own slot, height and digest.
  ASSERT_TRUE(p.store().last_slot);
  EXPECT_EQ(p.store().last_slot->pkh, pkh("ed25519_0"));
  EXPECT_EQ(p.store().last_slot->kind, tezos::RequestKind::Attestation);
  EXPECT_EQ(p.store().last_slot->chain.to_base58(), "NetXo5iVw1vBoxM");
  EXPECT_EQ(p.store().last_level, 34);
  EXPECT_EQ(p.store().last_round, 4);
  EXPECT_EQ(p.store().last_digest, crypto::blake2b_256(message));
}

TEST(SignerPipeline, AGenericRequestSkipsTheStoreAndTheCacheIsReused) {
  Pipeline p;
  const Bytes message = transaction();
  EXPECT_TRUE(public_key("ed25519_0")
                  .verify(message, p.signer().sign(pkh("ed25519_0"), message, 2, Client{})));
  EXPECT_EQ(p.events, (Events{"stage.decode", "vault.list", "stage.policy", "vault.sign",
                              "stage.vault", "signed by Fake"}));
  p.events.clear();
  p.signer().sign(pkh("ed25519_0"), message, 2, Client{});
  EXPECT_FALSE(reached(p.events, "vault.list")) << "the key is cached after the first listing";
}

TEST(SignerPipeline, APolicyRefusalNeverReachesTheStoreOrTheVault) {
  Pipeline p("    allow:\n      block:\n");
  Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), attestation(), 2, Client{}); });
  EXPECT_EQ(e.code(), ErrorCode::Forbidden);
  EXPECT_STREQ(e.what(), "request kind `attestation' is not allowed");
  EXPECT_EQ(p.events, (Events{"stage.decode", "vault.list", "policy_violation attestation"}));
  EXPECT_FALSE(p.store().last_slot);
}

TEST(SignerPipeline, AStoreRefusalNeverReachesTheVault) {
  Pipeline p;
  p.store().refusal = conflict("watermark validation failed");
  Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), attestation(), 2, Client{}); });
  EXPECT_EQ(e.code(), ErrorCode::Conflict);
  EXPECT_STREQ(e.what(), "watermark validation failed");
  EXPECT_EQ(p.events, (Events{"stage.decode", "vault.list", "stage.policy", "store.check",
                              "watermark_rejected"}));
}

TEST(SignerPipeline, AStoreThatCannotMakeTheMarkDurableGivesNoSignature) {
  Pipeline p;
  p.store().durability_failure = unavailable("watermark store unavailable: disk full");
  Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), attestation(), 2, Client{}); });
  EXPECT_EQ(e.code(), ErrorCode::Unavailable);
  EXPECT_FALSE(reached(p.events, "signed by Fake"));
  EXPECT_FALSE(reached(p.events, "watermark_rejected"));
}

TEST(SignerPipeline, AVaultFailureInsideTheStoreLeavesTheMarkAlone) {
  Pipeline p;
  p.ed_key().failure = unavailable("backend unreachable");
  Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), attestation(), 2, Client{}); });
  EXPECT_EQ(e.code(), ErrorCode::Unavailable);
  EXPECT_STREQ(e.what(), "backend unreachable");
  EXPECT_EQ(p.events, (Events{"stage.decode", "vault.list", "stage.policy", "store.check",
                              "vault.sign", "vault_error Fake"}));
}

TEST(SignerPipeline, RefusalsBeforeDecodingDecodeNothingAndListNoVault) {
  // A key not listed in `tezos:`: refused even with bytes that would not decode.
  {
    Pipeline p;
    Error e = p.error_of([&] { p.signer().sign(pkh("p256_0"), Bytes{0xff}, 2, Client{}); });
    EXPECT_EQ(e.code(), ErrorCode::Forbidden);
    EXPECT_EQ(std::string(e.what()), pkh_text("p256_0") + " is not listed in config");
    EXPECT_TRUE(p.events.empty()) << ::testing::PrintToString(p.events);
  }
  // A key restricted to other JWT users.
  {
    Pipeline p("    allow:\n      attestation:\n    jwt_users: [alice]\n");
    Client bob;
    bob.jwt_user = "bob";
    Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), Bytes{0xff}, 2, bob); });
    EXPECT_EQ(e.code(), ErrorCode::Forbidden);
    EXPECT_EQ(std::string(e.what()),
              "user `bob' is not authorized to access " + pkh_text("ed25519_0"));
    EXPECT_TRUE(p.events.empty()) << ::testing::PrintToString(p.events);
  }
  // Client authentication required and missing.
  {
    Pipeline p("    allow:\n      attestation:\n",
               "  authorized_keys: [" +
                   testing::tezos_key("ed25519_3").at("public_key").get<std::string>() + "]\n");
    Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), attestation(), 2, Client{}); });
    EXPECT_EQ(e.code(), ErrorCode::Unauthenticated);
    EXPECT_STREQ(e.what(), "missing authentication signature field");
    EXPECT_EQ(p.events, (Events{"authentication_failed authentication"}));
  }
}

TEST(SignerPipeline, AClientAuthenticatedByAnAuthorizedKeyIsAdmitted) {
  const json& v = []() -> const json& {
    for (const auto& x :
         testing::tezos_vectors("signatures.json").at("authentication").at("vectors"))
      if (x.at("id") == "auth/ed25519_3/ed25519_0") return x;
    throw std::runtime_error("no vector");
  }();
  Pipeline p(
      "    allow:\n      generic: [transaction]\n      block:\n      attestation:\n"
      "    authorized_keys: [" +
          testing::tezos_key("ed25519_3").at("public_key").get<std::string>() + "]\n",
      "  authorized_keys: [" + testing::tezos_key("ed25519_3").at("public_key").get<std::string>() +
          "]\n");
  Client client;
  client.authentication = v.at("authentication_signature").get<std::string>();
  const Bytes message = from_hex(v.at("data_hex").get<std::string>());
  tezos::Signature sig = p.signer().sign(pkh("ed25519_0"), message, 2, client);
  EXPECT_TRUE(public_key("ed25519_0").verify(message, sig));
  // The same client without its signature is refused at the door.
  p.events.clear();
  EXPECT_EQ(p.error_of([&] { p.signer().sign(pkh("ed25519_0"), message, 2, Client{}); }).code(),
            ErrorCode::Unauthenticated);
  EXPECT_FALSE(reached(p.events, "vault.sign"));
}

TEST(SignerPipeline, MalformedBytesAreRefusedBeforeAnyVaultIsListed) {
  Pipeline p;
  Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), Bytes{0x13, 0x00}, 2, Client{}); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_TRUE(p.events.empty()) << ::testing::PrintToString(p.events);
  EXPECT_FALSE(p.store().last_slot);
}

TEST(SignerPipeline, AKeyInNoVaultIsNotFoundAndTheStoreIsUntouched) {
  Pipeline p;
  p.vault().keys.resize(1);  // only ed25519_0
  Error e = p.error_of([&] { p.signer().sign(pkh("bls12_381_0"), transaction(), 2, Client{}); });
  EXPECT_EQ(e.code(), ErrorCode::NotFound);
  EXPECT_STREQ(e.what(), "this key not found in any vault");
  EXPECT_EQ(p.events, (Events{"stage.decode", "vault.list"}));
}

TEST(SignerPipeline, AVaultThatCannotListAnswersForTheKeysItMayHold) {
  Pipeline p;
  p.vault().failure = unavailable("backend unreachable");
  Error e = p.error_of([&] { p.signer().sign(pkh("ed25519_0"), transaction(), 2, Client{}); });
  EXPECT_EQ(e.code(), ErrorCode::Unavailable);
  EXPECT_FALSE(reached(p.events, "vault.sign"));
  p.vault().failure.reset();
  // The probe answers from the last listing and asks for a new one in the background.
  EXPECT_EQ(p.signer().health(), "cannot list keys: vault `fake': backend unreachable");
  p.signer().key_directory().wait_refreshed();
  EXPECT_EQ(p.signer().health(), "");
  p.signer().sign(pkh("ed25519_0"), transaction(), 2, Client{});
}

TEST(SignerPipeline, ProofOfPossessionSharesTheOpeningSteps) {
  {
    Pipeline p("    allow:\n      attestation:\n    allow_proof_of_possession: true\n",
               "  authorized_keys: [" +
                   testing::tezos_key("ed25519_3").at("public_key").get<std::string>() + "]\n");
    EXPECT_EQ(p.error_of([&] { p.signer().prove_possession(pkh("bls12_381_0"), Client{}); }).code(),
              ErrorCode::Unauthenticated);
    EXPECT_EQ(p.events, (Events{"authentication_failed authentication"}));
  }
  {
    Pipeline p("    allow:\n      attestation:\n    allow_proof_of_possession: true\n");
    EXPECT_EQ(p.error_of([&] { p.signer().prove_possession(pkh("p256_0"), Client{}); }).code(),
              ErrorCode::Forbidden);
    EXPECT_TRUE(p.events.empty());
    p.signer().prove_possession(pkh("bls12_381_0"), Client{});
    EXPECT_EQ(p.events, (Events{"vault.list", "vault.prove"}));
  }
  {
    Pipeline p;  // allow_proof_of_possession is off
    Error e = p.error_of([&] { p.signer().prove_possession(pkh("bls12_381_0"), Client{}); });
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_STREQ(e.what(), "proof of possession is not allowed");
    EXPECT_FALSE(reached(p.events, "vault.prove"));
  }
}

}  // namespace
}  // namespace signatory::signer
