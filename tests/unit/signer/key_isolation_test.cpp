// Faults stay where they start (key_directory.h, bulkhead.h): a stranger asking for keys no
// vault holds never makes a request wait on a vault and costs at most one listing per
// interval; a remote vault (or store) that hangs holds at most its limit of requests and
// refuses the next ones at once with 503 naming itself, while a local vault keeps signing.
// Vaults are fakes whose listing or signing can be held at a gate; keys and payloads are the
// test vectors', signatures are checked with the keys' public keys. The only waits with a
// time limit are the ones that stop a broken build from hanging the suite.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "common/error.h"
#include "config/config.h"
#include "signer/signer.h"
#include "signer_test_keys.h"

namespace signatory::signer {
namespace {

using namespace test_keys;
constexpr auto kNoHang = std::chrono::seconds(30);  // only a broken build waits this long

// Holds callers until opened; counts who is waiting.
class Gate {
 public:
  void pass() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  bool wait_for_waiters(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kNoHang, [&] { return waiting_ >= n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

class GatedKey : public vault::Key {
 public:
  GatedKey(const std::string& id, Gate& gate) : secret_(secret_key(id)), gate_(gate) {}
  const tezos::PublicKey& public_key() const override { return secret_.public_key(); }
  std::string id() const override { return "gated"; }
  tezos::Signature sign(ByteView message, int version) override {
    gate_.pass();
    return secret_.sign(message, version);
  }

 private:
  tezos::SecretKey secret_;
  Gate& gate_;
};

class GatedVault : public vault::Vault {
 public:
  GatedVault(std::string label, std::size_t limit) : label_(std::move(label)), limit_(limit) {}
  std::string type_label() const override { return label_; }
  std::size_t max_concurrent_calls() const override { return limit_; }
  std::vector<std::shared_ptr<vault::Key>> list() override {
    ++lists;
    list_gate.pass();
    std::lock_guard lock(mutex_);
    return keys_;
  }
  void add(std::shared_ptr<vault::Key> key) {
    std::lock_guard lock(mutex_);
    keys_.push_back(std::move(key));
  }
  std::atomic<int> lists{0};
  Gate list_gate;
  Gate sign_gate;

 private:
  std::string label_;
  std::size_t limit_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<vault::Key>> keys_;
};

class GatedStore : public watermark::Watermark {
 public:
  explicit GatedStore(std::size_t limit) : limit_(limit) {}
  std::string backend_name() const override { return "gated"; }
  std::size_t max_concurrent_calls() const override { return limit_; }
  tezos::Signature guard(const watermark::Slot&, std::int32_t, std::int32_t,
                         const crypto::Digest32&,
                         const std::function<tezos::Signature()>& sign) override {
    gate.pass();
    return sign();
  }
  std::vector<std::pair<watermark::Slot, watermark::Mark>> marks() override { return {}; }
  watermark::RaiseResult raise(const watermark::Slot&, const watermark::Mark&) override {
    return {};
  }
  Gate gate;

 private:
  std::size_t limit_;
};

// A signer over a remote-looking vault `kms' (limit 1) holding secp256k1_0 and a local vault
// `local' holding ed25519_0, both keys allowed to sign attestations and transactions.
struct Rig {
  explicit Rig(std::chrono::milliseconds relist, std::size_t store_limit = 0) {
    std::string yaml = "base_dir: /nonexistent\ntezos:\n";
    for (const char* id : {"secp256k1_0", "ed25519_0", "p256_0"})
      yaml += "  " + pkh_text(id) + ":\n    allow:\n      attestation:\n      generic: "
              "[transaction]\n";
    config = config::parse_config(yaml, "signatory.yaml");
    auto k = std::make_unique<GatedVault>("Remote", 1);
    auto l = std::make_unique<GatedVault>("Local", 0);
    kms = k.get();
    local = l.get();
    kms->add(std::make_shared<GatedKey>("secp256k1_0", kms->sign_gate));
    local->add(std::make_shared<GatedKey>("ed25519_0", local->sign_gate));
    std::vector<NamedVault> vaults;
    vaults.push_back({"kms", std::move(k)});
    vaults.push_back({"local", std::move(l)});
    auto s = std::make_unique<GatedStore>(store_limit);
    store = s.get();
    signer = std::make_unique<Signer>(config, std::move(vaults), std::move(s), nullptr,
                                      KeyDirectoryOptions{relist});
  }
  ~Rig() {
    kms->list_gate.open();
    kms->sign_gate.open();
    local->sign_gate.open();
    store->gate.open();
  }
  config::Config config;
  GatedVault* kms = nullptr;
  GatedVault* local = nullptr;
  GatedStore* store = nullptr;
  std::unique_ptr<Signer> signer;
};

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // none thrown: never what a test expects here
}

TEST(KeyIsolation, UnknownKeysAreAnsweredWithoutWaitingOnAVault) {
  Rig rig(std::chrono::milliseconds(0));
  rig.signer->keys();  // the start-up listing
  rig.kms->list_gate.close();  // from now on a listing of `kms' hangs
  auto strangers = std::async(std::launch::async, [&] {
    int not_found = 0;
    for (int i = 0; i < 50; ++i)
      not_found += code_of([&] { rig.signer->public_key(pkh("p256_0")); }) == ErrorCode::NotFound;
    // A known key is still served.
    EXPECT_EQ(rig.signer->public_key(pkh("ed25519_0")), public_key("ed25519_0"));
    return not_found;
  });
  ASSERT_EQ(strangers.wait_for(kNoHang), std::future_status::ready)
      << "a lookup of an unknown key waited on a hung vault listing";
  EXPECT_EQ(strangers.get(), 50);
  // One listing in the background at most (single flight), however many strangers asked.
  EXPECT_LE(rig.kms->lists.load(), 2);
  rig.kms->list_gate.open();
}

TEST(KeyIsolation, StrangersCostAtMostOneListingPerInterval) {
  Rig rig(std::chrono::hours(1));
  rig.signer->keys();
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(code_of([&] { rig.signer->public_key(pkh("p256_0")); }), ErrorCode::NotFound);
  // The listing they asked for waits for the end of the interval.
  EXPECT_EQ(rig.kms->lists.load(), 1);
  EXPECT_EQ(rig.local->lists.load(), 1);
}

TEST(KeyIsolation, ANewKeyIsFoundByTheBackgroundListing) {
  Rig rig(std::chrono::milliseconds(0));
  rig.signer->keys();
  rig.kms->add(std::make_shared<GatedKey>("p256_0", rig.kms->sign_gate));
  // The first request answers from what is known and asks for a listing.
  EXPECT_EQ(code_of([&] { rig.signer->public_key(pkh("p256_0")); }), ErrorCode::NotFound);
  rig.signer->key_directory().wait_refreshed();
  EXPECT_EQ(rig.signer->public_key(pkh("p256_0")), public_key("p256_0"));
}

TEST(KeyIsolation, AHungRemoteVaultRefusesBeyondItsLimitWhileALocalVaultSigns) {
  Rig rig(std::chrono::hours(1));
  rig.signer->keys();
  EXPECT_EQ(rig.signer->blocking_call_budget(), 1u);
  rig.kms->sign_gate.close();
  const Bytes message = transaction();
  auto first = std::async(std::launch::async, [&] {
    return rig.signer->sign(pkh("secp256k1_0"), message, 2, Client{});
  });
  ASSERT_TRUE(rig.kms->sign_gate.wait_for_waiters(1));
  // The vault's only place is taken: the next request is refused at once, naming the vault.
  auto second = std::async(std::launch::async, [&]() -> std::string {
    try {
      rig.signer->sign(pkh("secp256k1_0"), message, 2, Client{});
    } catch (const Error& e) {
      return std::to_string(static_cast<int>(e.code())) + " " + e.what();
    }
    return "signed";
  });
  ASSERT_EQ(second.wait_for(kNoHang), std::future_status::ready)
      << "a request queued behind a hung vault";
  EXPECT_EQ(second.get(),
            std::to_string(static_cast<int>(ErrorCode::Unavailable)) +
                " vault `kms' (Remote) is busy: 1 requests are already waiting for it (the "
                "limit); try again later");
  // The local vault signs meanwhile, consensus and generic alike.
  EXPECT_TRUE(public_key("ed25519_0")
                  .verify(message, rig.signer->sign(pkh("ed25519_0"), message, 2, Client{})));
  const Bytes att = attestation();
  EXPECT_TRUE(
      public_key("ed25519_0").verify(att, rig.signer->sign(pkh("ed25519_0"), att, 2, Client{})));
  rig.kms->sign_gate.open();
  EXPECT_TRUE(public_key("secp256k1_0").verify(message, first.get()));
  // The place is free again.
  EXPECT_TRUE(public_key("secp256k1_0")
                  .verify(message, rig.signer->sign(pkh("secp256k1_0"), message, 2, Client{})));
}

TEST(KeyIsolation, AHungRemoteStoreRefusesConsensusBeyondItsLimitButNotGenericRequests) {
  Rig rig(std::chrono::hours(1), 1);
  rig.signer->keys();
  EXPECT_EQ(rig.signer->blocking_call_budget(), 2u);
  rig.store->gate.close();
  const Bytes att = attestation();
  auto first = std::async(std::launch::async, [&] {
    return rig.signer->sign(pkh("ed25519_0"), att, 2, Client{});
  });
  ASSERT_TRUE(rig.store->gate.wait_for_waiters(1));
  Error refused = internal_error("none");
  try {
    rig.signer->sign(pkh("ed25519_0"), att, 2, Client{});
  } catch (const Error& e) {
    refused = e;
  }
  EXPECT_EQ(refused.code(), ErrorCode::Unavailable);
  EXPECT_STREQ(refused.what(),
               "watermark store `gated' is busy: 1 requests are already waiting for it (the "
               "limit); try again later");
  // A generic request needs no store.
  const Bytes message = transaction();
  EXPECT_TRUE(public_key("ed25519_0")
                  .verify(message, rig.signer->sign(pkh("ed25519_0"), message, 2, Client{})));
  rig.store->gate.open();
  EXPECT_TRUE(public_key("ed25519_0").verify(att, first.get()));
}

TEST(Bulkhead, PlacesAreGivenBackWhenThePassEnds) {
  Bulkhead b("vault `v' (X)", 2);
  {
    Bulkhead::Pass p1 = b.enter();
    Bulkhead::Pass p2 = b.enter();
    EXPECT_EQ(b.in_use(), 2u);
    EXPECT_THROW(b.enter(), Error);
    EXPECT_EQ(b.in_use(), 2u);
  }
  EXPECT_EQ(b.in_use(), 0u);
  Bulkhead::Pass p = b.enter();
  EXPECT_EQ(b.in_use(), 1u);
}

}  // namespace
}  // namespace signatory::signer
