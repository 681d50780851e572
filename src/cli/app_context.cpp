// Start-up of both binaries (see app_context.h).
#include "cli/app_context.h"

#include <yaml-cpp/yaml.h>

#include "cli/terminal_prompt.h"
#include "common/error.h"
#include "common/log.h"
#include "vault/registry.h"
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

std::vector<signer::NamedVault> open_vaults(const config::Config& config) {
  vault::register_builtin_drivers();
  vault::VaultContext ctx;
  ctx.base_dir = config.base_dir;
  if (stdin_is_terminal()) ctx.prompt_secret = prompt_secret;
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

std::unique_ptr<watermark::Watermark> open_watermark_store(const config::Config& config) {
  // `watermark.config` → key/scalar text for the driver; errors name the config file and line.
  const YAML::Node& node = config.watermark.config;
  const auto where = [&config](const YAML::Node& n) {
    std::string at = config.path;
    if (!at.empty() && n.IsDefined() && n.Mark().line >= 0) {
      at.push_back(':');
      at.append(std::to_string(n.Mark().line + 1));
    }
    if (!at.empty()) at.append(": ");
    return at;
  };
  watermark::WatermarkOptions options;
  if (node.IsDefined() && !node.IsNull()) {
    if (!node.IsMap())
      throw bad_request(where(node) + "watermark.config: must be a mapping of option: value");
    for (const auto& kv : node) {
      if (!kv.first.IsScalar())
        throw bad_request(where(kv.first) + "watermark.config: option names must be scalars");
      const std::string key = kv.first.Scalar();
      if (!kv.second.IsScalar())
        throw bad_request(where(kv.second) + "watermark.config." + key +
                          ": must be a scalar (a string or a number)");
      options[key] = kv.second.Scalar();
    }
  }
  try {
    return watermark::open_watermark(config.watermark.driver, config.base_dir, options);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (e.status() == 400 && message.rfind("watermark.config.", 0) == 0) {
      const std::string key = message.substr(17, message.find(':') - 17);
      const YAML::Node value = node.IsMap() ? node[key] : YAML::Node();
      throw Error(400, where(value.IsDefined() ? value : node) + message);
    }
    throw;
  }
}

}  // namespace signatory::cli
