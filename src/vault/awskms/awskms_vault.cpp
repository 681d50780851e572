// The `awskms` vault: listing with a public key cache, and the driver factory (see
// awskms_vault.h).
#include "vault/awskms/awskms_vault.h"

#include <map>
#include <mutex>
#include <set>

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
  explicit AwsKmsVault(std::shared_ptr<aws::KmsClient> client) : client_(std::move(client)) {}

  std::string type_label() const override { return "AWSKMS"; }

  std::vector<std::shared_ptr<Key>> list() override {
    std::lock_guard lock(mutex_);
    std::vector<aws::KmsKeyListEntry> entries = client_->list_all_keys();
    std::vector<std::shared_ptr<Key>> keys;
    for (const auto& entry : entries) {
      if (auto it = cached_.find(entry.key_id); it != cached_.end()) {
        keys.push_back(it->second);
        continue;
      }
      if (unusable_.count(entry.key_id)) continue;  // warned about at first sight
      try {
        if (auto key = load(entry)) {
          cached_[entry.key_id] = key;
          keys.push_back(std::move(key));
        }
      } catch (const aws::KmsError& e) {
        if (is_permanent_error(e.aws_code())) unusable_.insert(entry.key_id);
        skip(entry, is_key_level_error(e.aws_code())
                        ? e.what()
                        : std::string("GetPublicKey failed: ") + e.what());
      } catch (const Error& e) {
        skip(entry, e.what());
      }
    }
    return keys;
  }

 private:
  void skip(const aws::KmsKeyListEntry& entry, const std::string& reason) {
    log::warn("AWS KMS key skipped",
              {{"key_id", entry.key_arn.empty() ? entry.key_id : entry.key_arn},
               {"reason", reason},
               {"vault", "AWSKMS"}});
  }

  // The key, or nullptr when it can never be used (remembered in unusable_ after a warning).
  std::shared_ptr<Key> load(const aws::KmsKeyListEntry& entry) {
    aws::KmsPublicKey pk = client_->get_public_key(entry.key_id);
    auto never = [&](const std::string& reason) -> std::shared_ptr<Key> {
      unusable_.insert(entry.key_id);
      skip(entry, reason);
      return nullptr;
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
    return std::make_shared<AwsKmsKey>(client_, aws::sanitize_reply_text(id, 2048),
                                       std::move(public_key), ec.curve);
  }

  std::shared_ptr<aws::KmsClient> client_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Key>> cached_;  // ListKeys KeyId → key
  std::set<std::string> unusable_;                      // keys that can never sign
};

}  // namespace

std::unique_ptr<Vault> make_awskms_vault(std::shared_ptr<aws::KmsClient> client) {
  return std::make_unique<AwsKmsVault>(std::move(client));
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
  return make_awskms_vault(std::move(client));
}

}  // namespace signatory::vault
