// The `awskms` vault: listing with a public key cache, and the driver factory (see
// awskms_vault.h).
#include "vault/awskms/awskms_vault.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "aws/curl_transport.h"
#include "aws/kms_error.h"
#include "common/error.h"
#include "common/log.h"
#include "crypto/spki.h"
#include "vault/awskms/awskms_config.h"
#include "vault/awskms/awskms_key.h"

namespace signatory::vault {
namespace {

// GetPublicKey errors that make one key unusable without saying anything about the others
// (Signatory's skip list). The last two do not change while the key exists.
bool is_key_level_error(const std::string& code) {
  return code == "AccessDeniedException" || code == "DisabledException" ||
         code == "KMSInvalidStateException" || code == "NotFoundException" ||
         code == "UnsupportedOperationException" || code == "InvalidKeyUsageException";
}
bool is_permanent_error(const std::string& code) {
  return code == "UnsupportedOperationException" || code == "InvalidKeyUsageException";
}

class AwsKmsVault : public Vault {
 public:
  AwsKmsVault(std::shared_ptr<aws::KmsClient> client, AwsKmsVaultOptions options)
      : client_(std::move(client)), options_(options) {}

  std::string type_label() const override { return "AWSKMS"; }
  std::size_t max_concurrent_calls() const override { return options_.max_concurrent_calls; }

  std::vector<std::shared_ptr<Key>> list() override {
    std::lock_guard lock(mutex_);
    std::vector<aws::KmsKeyListEntry> entries = client_->list_all_keys();
    const Clock::time_point now = Clock::now();
    // Keys not seen before (or whose time as unusable is over) are described in parallel.
    std::vector<const aws::KmsKeyListEntry*> fresh;
    for (const auto& entry : entries) {
      if (cached_.count(entry.key_id)) continue;
      if (auto it = unusable_until_.find(entry.key_id); it != unusable_until_.end()) {
        if (it->second > now) continue;  // warned about when it was found unusable
        unusable_until_.erase(it);
      }
      fresh.push_back(&entry);
    }
    std::vector<Loaded> loaded(fresh.size(), Loaded{nullptr, {}, Remember::No, false});
    const Clock::time_point budget_end = Clock::now() + options_.listing_budget;
    for_each_parallel(fresh.size(), options_.listing_parallelism, [&](std::size_t i) {
      if (Clock::now() < budget_end) loaded[i] = load_or_skip(*fresh[i]);
    });
    std::size_t left = 0;
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      const aws::KmsKeyListEntry& entry = *fresh[i];
      if (!loaded[i].described) {
        ++left;
        continue;
      }
      if (loaded[i].key) {
        cached_[entry.key_id] = loaded[i].key;
        continue;
      }
      skip(entry, loaded[i].reason);
      if (loaded[i].remember != Remember::No)
        unusable_until_[entry.key_id] = loaded[i].remember == Remember::Always
                                            ? Clock::time_point::max()
                                            : now + options_.unusable_retry;
    }
    if (left > 0)
      log::warn("AWS KMS listing ran out of time; the keys left are described by the next listing",
                {{"keys_left", std::to_string(left)}, {"vault", "AWSKMS"}});
    std::vector<std::shared_ptr<Key>> keys;
    for (const auto& entry : entries)
      if (auto it = cached_.find(entry.key_id); it != cached_.end()) keys.push_back(it->second);
    return keys;
  }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Remember { No, ForAWhile, Always };
  // What describing one key gave: the key, or why it is skipped and for how long.
  struct Loaded {
    std::shared_ptr<Key> key;
    std::string reason;
    Remember remember = Remember::No;
    bool described = true;  // false: not asked (the listing's budget was spent)
  };

  void skip(const aws::KmsKeyListEntry& entry, const std::string& reason) {
    log::warn("AWS KMS key skipped",
              {{"key_id", entry.key_arn.empty() ? entry.key_id : entry.key_arn},
               {"reason", reason},
               {"vault", "AWSKMS"}});
  }

  // Calls `work(0..n-1)` on at most `parallelism` threads (this one included).
  static void for_each_parallel(std::size_t n, std::size_t parallelism,
                                const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i = next++; i < n; i = next++) work(i);
    };
    std::vector<std::thread> helpers;
    std::size_t threads = std::min(n, std::max<std::size_t>(parallelism, 1));
    for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(worker);
    worker();
    for (auto& t : helpers) t.join();
  }

  // Never throws: a key that cannot be described is skipped. Key-level refusals (disabled,
  // not found, no access) are remembered for `unusable_retry`, a key that can never sign for
  // the life of the vault; a fault of the service (throttling, timeout) is not remembered.
  Loaded load_or_skip(const aws::KmsKeyListEntry& entry) noexcept {
    try {
      return load(entry);
    } catch (const aws::KmsError& e) {
      if (!is_key_level_error(e.aws_code()))
        return {nullptr, std::string("GetPublicKey failed: ") + e.what(), Remember::No};
      return {nullptr, e.what(),
              is_permanent_error(e.aws_code()) ? Remember::Always : Remember::ForAWhile};
    } catch (const std::exception& e) {
      return {nullptr, e.what(), Remember::No};
    }
  }

  // The key, or why it can never be used. Thread-safe (uses the client only).
  Loaded load(const aws::KmsKeyListEntry& entry) {
    aws::KmsPublicKey pk = client_->get_public_key(entry.key_id);
    auto never = [&](const std::string& reason) {
      return Loaded{nullptr, reason, Remember::Always};
    };
    if (pk.key_usage != "SIGN_VERIFY") {
      return never("key usage " + (pk.key_usage.empty() ? std::string("(none)") : pk.key_usage) +
                   " is not SIGN_VERIFY");
    }
    if (!pk.key_spec.empty() && pk.key_spec != "ECC_SECG_P256K1" &&
        pk.key_spec != "ECC_NIST_P256") {
      return never("key spec " + aws::sanitize_reply_text(pk.key_spec, 40) +
                   " is not supported (only ECC_SECG_P256K1 for tz2 and ECC_NIST_P256 for tz3)");
    }
    crypto::EcPublicKey ec;
    try {
      ec = crypto::parse_ec_spki(pk.spki);
    } catch (const Error& e) {
      return never(e.what());
    }
    if (!pk.key_spec.empty() &&
        (pk.key_spec == "ECC_SECG_P256K1") != (ec.curve == crypto::Curve::Secp256k1)) {
      return never("key spec " + pk.key_spec + " does not match the curve of its public key");
    }
    tezos::KeyType type =
        ec.curve == crypto::Curve::Secp256k1 ? tezos::KeyType::Secp256k1 : tezos::KeyType::P256;
    tezos::PublicKey public_key(type, Bytes(ec.compressed.begin(), ec.compressed.end()));
    // The ARN names the key everywhere (Signatory shows GetPublicKey's KeyId, an ARN on real
    // KMS); emulators that answer with a bare id get the ListKeys ARN instead.
    std::string id = pk.key_id;
    if (id.rfind("arn:", 0) != 0 && !entry.key_arn.empty()) id = entry.key_arn;
    return Loaded{std::make_shared<AwsKmsKey>(client_, aws::sanitize_reply_text(id, 2048),
                                              std::move(public_key), ec.curve),
                  {}, Remember::No};
  }

  std::shared_ptr<aws::KmsClient> client_;
  const AwsKmsVaultOptions options_;
  std::mutex mutex_;                                    // one listing at a time; guards below
  std::map<std::string, std::shared_ptr<Key>> cached_;  // ListKeys KeyId → key
  std::map<std::string, Clock::time_point> unusable_until_;  // KeyId → when to ask again
};

}  // namespace

std::unique_ptr<Vault> make_awskms_vault(std::shared_ptr<aws::KmsClient> client,
                                         AwsKmsVaultOptions options) {
  return std::make_unique<AwsKmsVault>(std::move(client), options);
}

std::unique_ptr<Vault> open_awskms_vault(const config::VaultConfig& cfg,
                                         const VaultContext& /*ctx*/) {
  AwsKmsSettings settings = load_awskms_settings(cfg, aws::process_environment());
  log::info("AWS KMS vault configured", {{"credentials", settings.credentials.source},
                                         {"endpoint", settings.client.endpoint.url},
                                         {"region", settings.client.region},
                                         {"vault", "AWSKMS"},
                                         {"vault_name", cfg.name}});
  auto transport = std::make_shared<aws::CurlTransport>(settings.transport);
  auto client = std::make_shared<aws::KmsClient>(std::move(settings.client),
                                                 std::move(settings.credentials), transport);
  return make_awskms_vault(std::move(client), settings.vault);
}

}  // namespace signatory::vault
