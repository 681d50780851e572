// The driver table and the one list of built-in drivers (see registry.h).
#include "vault/registry.h"

#include <map>

#include "common/error.h"
#include "vault/awskms/awskms_vault.h"
#include "vault/local/file_vault.h"
#include "vault/local/mem_vault.h"

namespace signatory::vault {
namespace {
std::map<std::string, VaultFactory>& drivers() {
  static std::map<std::string, VaultFactory> table;
  return table;
}
}  // namespace

void register_driver(const std::string& driver, VaultFactory factory) {
  drivers()[driver] = std::move(factory);
}

std::unique_ptr<Vault> open_vault(const config::VaultConfig& cfg, const VaultContext& ctx) {
  auto it = drivers().find(cfg.driver);
  if (it == drivers().end()) {
    std::string names;
    for (const auto& [name, _] : drivers()) names += (names.empty() ? "" : ", ") + name;
    throw bad_request("unknown vault driver `" + cfg.driver + "'; available drivers are " + names);
  }
  return it->second(cfg, ctx);
}

void register_builtin_drivers() {
  register_driver("file", open_file_vault);
  register_driver("mem", open_mem_vault);
  register_driver("awskms", open_awskms_vault);
}

}  // namespace signatory::vault
