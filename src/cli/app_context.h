// What both binaries set up before doing their work: logging from the global flags, the
// config, the base directory, the vaults (in config order; a vault that fails to open is
// skipped with an error log, as in Signatory) and the high-water mark store. Start-up only;
// the objects it returns are then used as their own headers say.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "signer/signer.h"
#include "vault/registry.h"
#include "watermark/core/watermark.h"

namespace signatory::cli {

struct GlobalFlags {
  std::string config_path = "/etc/signatory.yaml";
  std::string log_level = "info";
  std::optional<std::string> base_dir;
  bool json_log = false;
};

void configure_logging(const GlobalFlags& flags);
config::Config load_config_logged(const GlobalFlags& flags);
std::vector<signer::NamedVault> open_vaults(const config::Config& config);
// What vault drivers are opened with (the built-in drivers registered): base_dir, and the
// terminal prompt for secrets when `may_prompt` and stdin is a terminal.
vault::VaultContext vault_context(const config::Config& config, bool may_prompt);
std::unique_ptr<watermark::Watermark> open_watermark_store(const config::Config& config);
// What open_watermark_store checks before it opens anything: a known driver, `watermark.config`
// a mapping of scalars (and, for `postgres`, options it accepts). Opens and contacts nothing;
// throws Error(BadRequest) naming the file and line.
void check_watermark_settings(const config::Config& config);

}  // namespace signatory::cli
