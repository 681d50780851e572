// The table of vault drivers, by the name used in `vaults.<name>.driver`. Each driver folder
// provides one factory; register_builtin_drivers() (registry.cpp) is the one place listing
// them. Registration happens once at start; lookups are then read-only and thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "vault/vault.h"

namespace signatory::vault {

struct VaultContext {
  std::string base_dir;
  // Asks the operator for a secret (a TTY prompt); empty function when not interactive.
  std::function<crypto::SecretBytes(const std::string& prompt)> prompt_secret;
};

using VaultFactory =
    std::function<std::unique_ptr<Vault>(const config::VaultConfig&, const VaultContext&)>;

void register_driver(const std::string& driver, VaultFactory factory);
// Throws Error(BadRequest) "unknown vault driver `x'" or whatever the driver throws.
std::unique_ptr<Vault> open_vault(const config::VaultConfig& cfg, const VaultContext& ctx);
void register_builtin_drivers();

}  // namespace signatory::vault
