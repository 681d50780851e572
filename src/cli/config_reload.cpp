// Reloading the config of a running server (see config_reload.h).
#include "cli/config_reload.h"

#include <sstream>

#include "cli/config_check.h"
#include "cli/key_list_format.h"
#include "cli/terminal_prompt.h"
#include "common/log.h"
#include "vault/registry.h"

namespace signatory::cli {
namespace {

constexpr const char* kReloadsMetric = "signatory_config_reloads_total";

// The same values, whatever their positions in the file.
bool same_node(const ConfigNode& a, const ConfigNode& b) {
  if (a.kind() != b.kind() || a.text() != b.text() || a.items().size() != b.items().size() ||
      a.entries().size() != b.entries().size())
    return false;
  for (std::size_t i = 0; i < a.items().size(); ++i)
    if (!same_node(a.items()[i], b.items()[i])) return false;
  for (std::size_t i = 0; i < a.entries().size(); ++i)
    if (a.entries()[i].key != b.entries()[i].key ||
        !same_node(a.entries()[i].value, b.entries()[i].value))
      return false;
  return true;
}

bool same_tls(const std::optional<config::TlsConfig>& a,
              const std::optional<config::TlsConfig>& b) {
  if (!a || !b) return !a && !b;
  return a->cert_file == b->cert_file && a->key_file == b->key_file &&
         a->client_ca_file == b->client_ca_file;
}

const config::VaultConfig* vault_named(const config::Config& config, const std::string& name) {
  for (const auto& vc : config.vaults)
    if (vc.name == name) return &vc;
  return nullptr;
}

const signer::NamedVault* opened_vault(const signer::SignerSnapshot& snapshot,
                                       const std::string& name) {
  for (const auto& nv : snapshot.vaults)
    if (nv.config_name == name) return &nv;
  return nullptr;
}

}  // namespace

std::vector<std::string> settings_not_reloaded(const config::Config& running,
                                               const config::Config& next) {
  std::vector<std::string> out;
  if (running.server.address != next.server.address) out.push_back("server.address");
  if (running.server.utility_address != next.server.utility_address)
    out.push_back("server.utility_address");
  if (!same_tls(running.server.tls, next.server.tls)) out.push_back("server.tls");
  if (running.base_dir != next.base_dir) out.push_back("base_dir");
  if (running.watermark.driver != next.watermark.driver ||
      !same_node(running.watermark.config, next.watermark.config))
    out.push_back("watermark");
  return out;
}

std::vector<signer::NamedVault> reopen_vaults(const config::Config& next,
                                              const signer::SignerSnapshot& running,
                                              std::vector<Error>& problems) {
  // No prompt: a reload runs unattended on a server thread. Where the server was started on a
  // terminal (and asked for the passwords of encrypted keys then), a key that would need the
  // prompt refuses the reload rather than disappearing from the new snapshot.
  vault::VaultContext ctx = vault_context(next, false);
  bool wanted_password = false;
  if (stdin_is_terminal())
    ctx.prompt_secret = [&wanted_password](const std::string&) -> crypto::SecretBytes {
      wanted_password = true;
      throw bad_request("a reload does not prompt for passwords");
    };
  std::vector<signer::NamedVault> vaults;
  for (const config::VaultConfig& vc : next.vaults) {
    const log::Fields fields{{"vault", vc.driver}, {"vault_name", vc.name}};
    const config::VaultConfig* before = vault_named(*running.config, vc.name);
    const bool unchanged =
        before != nullptr && before->driver == vc.driver && same_node(before->config, vc.config);
    const signer::NamedVault* opened = opened_vault(running, vc.name);
    if (unchanged && opened != nullptr && !is_local_vault_driver(vc.driver)) {
      log::info("Keeping vault (its config is unchanged)", fields);
      vaults.push_back(*opened);
      continue;
    }
    log::info("Initializing vault", fields);
    wanted_password = false;
    try {
      vaults.push_back({vc.name, vault::open_vault(vc, ctx)});
      if (wanted_password)
        problems.push_back(
            vc.error("an encrypted key needs a password and a reload does not prompt for one: set "
                     "password_file or password_env, or restart the signer"));
    } catch (const Error& e) {
      if (unchanged && opened == nullptr) {
        // It could not be opened at start either: skipped, as then (health() reports it).
        log::error(std::string("Error initializing vault, skipping... ") + e.what(), fields);
        continue;
      }
      problems.push_back(placed(e, vc.file, vc.line, "vaults." + vc.name));
    }
  }
  return vaults;
}

void log_snapshot(const signer::SignerSnapshot& snapshot, bool list_keys) {
  if (list_keys) {
    // A vault that cannot list now (KMS unreachable) does not stop the server: listing is
    // retried on the first request for an unknown key.
    std::vector<signer::KeyEntry> keys;
    try {
      keys = snapshot.signer->keys();
    } catch (const Error& e) {
      log::error(std::string("Cannot list the keys now: ") + e.what());
    }
    std::istringstream text(format_key_list(keys, ListFormat::Legacy));
    std::string line;
    while (std::getline(text, line)) log::info(line);
  }
  if (!snapshot.config->server.authorized_keys.empty()) {
    std::string list;
    for (const auto& h : snapshot.signer->authorized_key_hashes())
      list += (list.empty() ? "" : " ") + h.to_base58();
    log::info("Authorized keys: [" + list + "]");
  }
}

ConfigReloader::ConfigReloader(GlobalFlags flags, signer::SnapshotHolder& snapshots,
                               std::shared_ptr<watermark::Watermark> watermark,
                               server::Metrics* metrics)
    : flags_(std::move(flags)),
      snapshots_(snapshots),
      watermark_(std::move(watermark)),
      metrics_(metrics) {
  if (metrics_) {
    metrics_->describe(kReloadsMetric,
                       "Reloads of the config file (SIGHUP), by result: success or failure");
    metrics_->count(kReloadsMetric, {{"result", "success"}}, 0);
    metrics_->count(kReloadsMetric, {{"result", "failure"}}, 0);
  }
}

void ConfigReloader::count(bool success) {
  if (metrics_) metrics_->count(kReloadsMetric, {{"result", success ? "success" : "failure"}});
}

std::shared_ptr<const signer::SignerSnapshot> ConfigReloader::build(
    const signer::SignerSnapshot& running) {
  const log::Fields file{{"config", flags_.config_path}};
  std::vector<Error> problems;
  config::Config next = config::load_config_checked(flags_.config_path, flags_.base_dir, problems);
  if (problems.empty()) problems = server_config_problems(next);
  if (problems.empty()) {
    for (const auto& w : next.warnings) log::warn(w);
    // What is not reloaded keeps its running value, in the new snapshot's Config too (so the
    // next reload compares with what is really in force).
    const config::Config& now = *running.config;
    for (const std::string& setting : settings_not_reloaded(now, next))
      log::warn(setting +
                    " differs in the config file but is not reloaded: restart the signer "
                    "to apply it",
                {{"config", flags_.config_path}, {"setting", setting}});
    next.server.address = now.server.address;
    next.server.utility_address = now.server.utility_address;
    next.server.tls = now.server.tls;
    next.base_dir = now.base_dir;
    next.watermark = now.watermark;
  }
  std::vector<signer::NamedVault> vaults;
  if (problems.empty()) vaults = reopen_vaults(next, running, problems);
  if (!problems.empty()) {
    for (const Error& e : problems)
      log::error(std::string("Config reload refused: ") + e.what(), file);
    return nullptr;
  }
  return signer::make_snapshot(std::move(next), std::move(vaults), watermark_, metrics_,
                               running.generation + 1);
}

bool ConfigReloader::reload() {
  const log::Fields file{{"config", flags_.config_path}};
  log::info("Reloading the config (SIGHUP)", file);
  std::shared_ptr<const signer::SignerSnapshot> next;
  try {
    next = build(*snapshots_.current());
    if (next) log_snapshot(*next, true);  // lists the keys: the new key cache starts warm
  } catch (const std::exception& e) {
    log::error(std::string("Config reload refused: ") + e.what(), file);
    next = nullptr;
  }
  if (!next) {
    log::error("Config reload failed: the running config stays in force", file);
    count(false);
    return false;
  }
  snapshots_.replace(next);
  log::info("Config reloaded", {{"config", flags_.config_path},
                                {"generation", std::to_string(next->generation)},
                                {"vaults", std::to_string(next->vaults.size())},
                                {"policies", std::to_string(next->config->policies.size())}});
  count(true);
  return true;
}

}  // namespace signatory::cli
