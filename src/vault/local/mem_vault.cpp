// Driver `mem` (see mem_vault.h).
#include "vault/local/mem_vault.h"

#include <mutex>

#include "common/error.h"
#include "common/log.h"
#include "vault/local/key_unlock.h"
#include "vault/local/local_key.h"

namespace signatory::vault {
namespace {

class MemVault : public Vault {
 public:
  std::string type_label() const override { return "Mem"; }
  std::vector<std::shared_ptr<Key>> list() override {
    std::lock_guard lock(mutex_);
    return keys_;
  }
  bool can_import() const override { return true; }
  std::shared_ptr<Key> import_key(tezos::SecretKey key, const std::string& id) override {
    auto k = std::make_shared<LocalKey>(std::move(key), id);
    std::lock_guard lock(mutex_);
    keys_.push_back(k);
    return k;
  }
  bool can_generate() const override { return true; }
  std::shared_ptr<Key> generate_key(tezos::KeyType type, const std::string& id) override {
    return import_key(tezos::SecretKey::generate(type), id);
  }

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<Key>> keys_;
};

}  // namespace

std::unique_ptr<Vault> open_mem_vault(const config::VaultConfig& cfg, const VaultContext& ctx) {
  auto vault = std::make_unique<MemVault>();
  const ConfigNode& node = cfg.config;
  if (node.is_null()) return vault;
  const ConfigNode* list = node.is_mapping() ? node.find("keys") : &node;
  if (!list || !list->is_sequence()) node.fail("expected a list of secret keys");
  PasswordSource source{std::nullopt, ctx.prompt_secret};
  std::size_t index = 0;
  for (const ConfigNode& item : list->items()) {
    std::string id = std::to_string(index++);
    if (!item.is_scalar()) item.fail("expected a secret key");
    vault->import_key(unlock_secret_key(item.text(), id, source, "Mem"), "");
  }
  return vault;
}

}  // namespace signatory::vault
