// Driver `mem`: keys listed in the config (`config: [edsk…, spsk…]`), kept in memory only.
// Import adds keys for the life of the process. Encrypted keys are unlocked at open time with
// the operator's prompt. list() and signing are thread-safe; import is for the CLI.
#pragma once

#include <memory>

#include "vault/registry.h"

namespace signatory::vault {

std::unique_ptr<Vault> open_mem_vault(const config::VaultConfig& cfg, const VaultContext& ctx);

}  // namespace signatory::vault
