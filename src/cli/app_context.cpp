// Start-up of both binaries (see app_context.h).
#include "cli/app_context.h"

#include <algorithm>
#include <mutex>

#include "cli/terminal_prompt.h"
#include "common/error.h"
#include "common/log.h"
#include "watermark/postgres/postgres_options.h"
#include "watermark/registry.h"

namespace signatory::cli {

void configure_logging(const GlobalFlags& flags) {
  log::configure(log::parse_level(flags.log_level),
                 flags.json_log ? log::Format::Json : log::Format::Auto);
}

config::Config load_config_logged(const GlobalFlags& flags) {
  config::Config cfg = config::load_config(flags.config_path, flags.base_dir);
  for (const auto& w : cfg.warnings) log::warn(w);
  return cfg;
}

vault::VaultContext vault_context(const config::Config& config, bool may_prompt) {
  // Once: a reload opens vaults while requests are served (registry.h: registration at start).
  static std::once_flag registered;
  std::call_once(registered, vault::register_builtin_drivers);
  vault::VaultContext ctx;
  ctx.base_dir = config.base_dir;
  if (may_prompt && stdin_is_terminal()) ctx.prompt_secret = prompt_secret;
  return ctx;
}

std::vector<signer::NamedVault> open_vaults(const config::Config& config) {
  const vault::VaultContext ctx = vault_context(config, true);
  std::vector<signer::NamedVault> vaults;
  for (const auto& vc : config.vaults) {
    log::info("Initializing vault", {{"vault", vc.driver}, {"vault_name", vc.name}});
    try {
      vaults.push_back({vc.name, vault::open_vault(vc, ctx)});
    } catch (const Error& e) {
      log::error(std::string("Error initializing vault, skipping... ") + e.what(),
                 {{"vault", vc.driver}, {"vault_name", vc.name}});
    }
  }
  return vaults;
}

void check_watermark_settings(const config::Config& config) {
  // `watermark.config`: every option a scalar (a string or a number), which the driver reads as
  // text; errors name the config file and line.
  const ConfigNode& options = config.watermark.config;
  if (!options.is_null()) {
    if (!options.is_mapping()) options.fail("must be a mapping of option: value");
    for (const auto& entry : options.entries())
      if (!entry.value.is_scalar()) entry.value.fail("must be a scalar (a string or a number)");
  }
  const std::string driver = config.watermark.driver.empty() ? "file" : config.watermark.driver;
  const std::vector<std::string> drivers = watermark::watermark_drivers();
  if (std::find(drivers.begin(), drivers.end(), driver) == drivers.end()) {
    std::string valid;
    for (const auto& name : drivers) valid += (valid.empty() ? "" : ", ") + name;
    ConfigNode(ConfigNode::Kind::Null, config.path, config.watermark.line, "watermark.driver")
        .fail("unknown watermark driver `" + driver + "' (valid drivers: " + valid + ")");
  }
  if (driver == "postgres") (void)watermark::parse_postgres_options(options);
}

std::unique_ptr<watermark::Watermark> open_watermark_store(const config::Config& config) {
  check_watermark_settings(config);
  return watermark::open_watermark(config.watermark.driver, config.base_dir,
                                   config.watermark.config);
}

}  // namespace signatory::cli
