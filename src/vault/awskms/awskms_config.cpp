// Reading of the `awskms` vault config (see awskms_config.h).
#include "vault/awskms/awskms_config.h"

#include <cmath>
#include <set>

#include "aws/endpoint.h"
#include "common/error.h"
#include "common/log.h"

namespace signatory::vault {
namespace {

struct Reader {
  const config::VaultConfig& cfg;

  std::string where(const YAML::Node* node, const std::string& key) const {
    int line = cfg.line;
    if (node != nullptr && node->Mark().line >= 0) line = node->Mark().line + 1;
    std::string path = "vaults." + cfg.name + (key.empty() ? "" : ".config." + key);
    return (cfg.file.empty() ? std::string() : cfg.file + ":" + std::to_string(line) + ": ") +
           path + ": ";
  }

  Error fail(const YAML::Node* node, const std::string& key, const std::string& why) const {
    return bad_request(where(node, key) + why);
  }

  std::optional<std::string> string(const std::string& key) const {
    if (!cfg.config.IsMap()) return std::nullopt;
    YAML::Node n = cfg.config[key];
    if (!n || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) throw fail(&n, key, "expected a string");
    return n.as<std::string>();
  }

  // Seconds as a number ("2.5") or with a unit ("2500ms", "3s").
  std::optional<std::chrono::milliseconds> duration(const std::string& key) const {
    auto text = string(key);
    if (!text) return std::nullopt;
    YAML::Node n = cfg.config[key];
    std::string s = *text;
    double scale = 1000;
    if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
      scale = 1;
      s.resize(s.size() - 2);
    } else if (s.size() > 1 && s.back() == 's') {
      s.pop_back();
    }
    double value = 0;
    try {
      std::size_t used = 0;
      value = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      throw fail(&n, key, "expected a duration such as 5, 5s or 500ms, got `" + *text + "'");
    }
    double ms = value * scale;
    if (!std::isfinite(ms) || ms < 1 || ms > 3600 * 1000.0) {
      throw fail(&n, key, "duration must be between 1ms and 1h");
    }
    return std::chrono::milliseconds(static_cast<long long>(ms));
  }
};

}  // namespace

AwsKmsSettings load_awskms_settings(const config::VaultConfig& cfg,
                                    const aws::EnvironmentReader& env) {
  Reader r{cfg};
  if (cfg.config && !cfg.config.IsNull() && !cfg.config.IsMap()) {
    throw r.fail(&cfg.config, "", "`config' must be a mapping (region, access_key_id, …)");
  }
  static const std::set<std::string> known = {
      "region",   "access_key_id", "secret_access_key", "session_token", "user_name",
      "endpoint", "ca_file",       "connect_timeout",   "timeout",       "max_attempts"};
  if (cfg.config.IsMap()) {
    for (const auto& kv : cfg.config) {
      std::string key = kv.first.as<std::string>();
      if (!known.count(key)) {
        log::warn("unknown key in awskms vault config", {{"key", key}, {"vault", cfg.name}});
      }
    }
  }

  AwsKmsSettings s;
  try {
    s.client.region = aws::resolve_region(r.string("region"), env);
  } catch (const Error& e) {
    throw r.fail(nullptr, "", e.what());
  }
  try {
    s.client.endpoint = aws::resolve_kms_endpoint(r.string("endpoint"), s.client.region, env);
  } catch (const Error& e) {
    YAML::Node n = cfg.config.IsMap() ? cfg.config["endpoint"] : YAML::Node();
    throw r.fail(n ? &n : nullptr, n ? "endpoint" : "", e.what());
  }

  aws::ExplicitCredentials explicit_keys;
  explicit_keys.access_key_id = r.string("access_key_id");
  if (auto secret = r.string("secret_access_key")) {
    explicit_keys.secret_access_key = crypto::SecretBytes::from_string(*secret);
  }
  if (auto token = r.string("session_token")) {
    explicit_keys.session_token = crypto::SecretBytes::from_string(*token);
  }
  try {
    s.credentials = aws::resolve_credentials(explicit_keys, env);
  } catch (const Error& e) {
    throw r.fail(nullptr, "", e.what());
  }

  if (auto ca = r.string("ca_file")) {
    s.transport.ca_file = *ca;
  } else if (auto bundle = env("AWS_CA_BUNDLE"); bundle && !bundle->empty()) {
    s.transport.ca_file = *bundle;
  }
  if (auto d = r.duration("connect_timeout")) s.transport.connect_timeout = *d;
  if (auto d = r.duration("timeout")) s.transport.total_timeout = *d;
  if (auto attempts = r.string("max_attempts")) {
    YAML::Node n = cfg.config["max_attempts"];
    int v = 0;
    try {
      std::size_t used = 0;
      v = std::stoi(*attempts, &used);
      if (used != attempts->size()) throw std::invalid_argument(*attempts);
    } catch (const std::exception&) {
      v = 0;
    }
    if (v < 1 || v > 10) throw r.fail(&n, "max_attempts", "expected a number from 1 to 10");
    s.client.max_attempts = v;
  }
  return s;
}

}  // namespace signatory::vault
