// Config validation for the server and `signatory-cli config check` (see config_check.h).
#include "cli/config_check.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "auth/jwt_auth.h"
#include "common/log.h"
#include "vault/registry.h"

namespace signatory::cli {
namespace {

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

config::JwtCredentials copy_of(const config::JwtCredentials& c) {
  return {c.password.clone(), c.secret.clone(), c.jwt_exp_minutes};
}

// The JWT users, each on its own so that every weak one is reported at its line.
void check_jwt_users(const config::Config& config, std::vector<Error>& problems) {
  for (const config::JwtUser& user : config.server.jwt_users) {
    std::vector<config::JwtUser> alone(1);
    alone[0].name = user.name;
    alone[0].current = copy_of(user.current);
    if (user.new_data) alone[0].new_data = copy_of(*user.new_data);
    alone[0].old_cred_exp = user.old_cred_exp;
    try {
      auth::JwtAuthenticator check(alone);
    } catch (const Error& e) {
      problems.push_back(placed(e, config.path, user.line, "server.jwt.users." + user.name));
    }
  }
}

}  // namespace

bool is_local_vault_driver(const std::string& driver) {
  return driver == "file" || driver == "mem";
}

Error placed(const Error& error, const std::string& config_file, int line,
             const std::string& where) {
  const std::string message = error.what();
  if (message.rfind(config_file + ":", 0) == 0) return error;
  return ConfigNode(ConfigNode::Kind::Null, config_file, line, where).error(message);
}

std::vector<Error> server_config_problems(const config::Config& config) {
  std::vector<Error> problems;
  if (!config.server.jwt_users.empty() && !config.server.authorized_keys.empty())
    problems.push_back(placed(bad_request("cannot use both JWT and static authorized keys"),
                              config.path, config.server.jwt_users.front().line, "server.jwt"));
  check_jwt_users(config, problems);
  if (config.policy_hook)
    problems.push_back(placed(bad_request("the external policy hook is not supported yet"),
                              config.path, config.policy_hook->line, "policy_hook"));
  try {
    check_watermark_settings(config);
  } catch (const Error& e) {
    problems.push_back(placed(e, config.path, config.watermark.line, "watermark"));
  }
  return problems;
}

config::Config load_server_config(const GlobalFlags& flags) {
  std::vector<Error> problems;
  config::Config config = config::load_config_checked(flags.config_path, flags.base_dir, problems);
  for (const auto& w : config.warnings) log::warn(w);
  if (problems.empty()) problems = server_config_problems(config);
  if (problems.empty()) return config;
  for (std::size_t i = 1; i < problems.size(); ++i) log::error(problems[i].what());
  throw problems.front();
}

CheckReport check_config(const GlobalFlags& flags, const CheckOptions& options) {
  CheckReport report;
  std::vector<Error> problems;
  const config::Config config =
      config::load_config_checked(flags.config_path, flags.base_dir, problems);
  report.warnings = config.warnings;
  for (const Error& e : server_config_problems(config)) problems.push_back(e);

  // Vaults: opened as the server opens them, without prompting for a password.
  const vault::VaultContext ctx = vault_context(config, false);
  for (const config::VaultConfig& vc : config.vaults) {
    const std::string where = "vault `" + vc.name + "' (" + vc.driver + ")";
    std::unique_ptr<vault::Vault> vault;
    try {
      vault = vault::open_vault(vc, ctx);
    } catch (const Error& e) {
      problems.push_back(placed(e, vc.file, vc.line, "vaults." + vc.name));
      continue;
    }
    if (!is_local_vault_driver(vc.driver) && !options.connect) {
      report.notes.push_back(where + ": settings accepted (not contacted; --connect lists it)");
      continue;
    }
    try {
      const std::size_t n = vault->list().size();
      if (n == 0) report.warnings.push_back(where + ": no valid keys");
      report.notes.push_back(where + ": " + plural(n, "key"));
    } catch (const Error& e) {
      problems.push_back(placed(e, vc.file, vc.line, "vaults." + vc.name));
    }
  }
  if (options.connect && problems.empty() && config.watermark.driver == "postgres") {
    try {
      (void)open_watermark_store(config);
      report.notes.push_back("watermark store (postgres): connected");
    } catch (const Error& e) {
      problems.push_back(placed(e, config.path, config.watermark.line, "watermark"));
    }
  }
  const std::size_t policies = config.policies.size();
  report.notes.push_back(std::to_string(policies) +
                         (policies == 1 ? " key policy (tezos:)" : " key policies (tezos:)"));
  for (const Error& e : problems) report.problems.push_back(e.what());
  // In file order: "<file>:<line>: …" by line; others (the file itself) first.
  const auto line_of = [&](const std::string& p) {
    if (p.rfind(config.path + ":", 0) != 0) return 0;
    return std::atoi(p.c_str() + config.path.size() + 1);
  };
  std::stable_sort(
      report.problems.begin(), report.problems.end(),
      [&](const std::string& a, const std::string& b) { return line_of(a) < line_of(b); });
  return report;
}

int config_check(const GlobalFlags& flags, const CheckOptions& options) {
  const CheckReport report = check_config(flags, options);
  for (const std::string& p : report.problems) std::cout << p << "\n";
  for (const std::string& w : report.warnings) std::cout << "warning: " << w << "\n";
  for (const std::string& n : report.notes) std::cout << n << "\n";
  if (report.problems.empty()) {
    std::cout << flags.config_path << ": OK\n";
    return 0;
  }
  std::cout << flags.config_path << ": " << plural(report.problems.size(), "problem") << "\n";
  return 1;
}

}  // namespace signatory::cli
