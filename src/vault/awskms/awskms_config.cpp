// Reading of the `awskms` vault config (see awskms_config.h).
#include "vault/awskms/awskms_config.h"

#include <cmath>
#include <set>

#include "aws/endpoint.h"
#include "common/error.h"
#include "common/log.h"

namespace signatory::vault {
namespace {

// Options of `cfg.config`, each failing at its own position.
struct Reader {
  const config::VaultConfig& cfg;

  std::optional<std::string> string(const std::string& key) const {
    const ConfigNode* n = cfg.config.find(key);
    if (!n || n->is_null()) return std::nullopt;
    if (!n->is_scalar()) n->fail("expected a string");
    return n->text();
  }

  // Seconds as a number ("2.5") or with a unit ("2500ms", "3s").
  std::optional<std::chrono::milliseconds> duration(const std::string& key) const {
    auto text = string(key);
    if (!text) return std::nullopt;
    const ConfigNode& n = *cfg.config.find(key);
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
      n.fail("expected a duration such as 5, 5s or 500ms, got `" + *text + "'");
    }
    double ms = value * scale;
    if (!std::isfinite(ms) || ms < 1 || ms > 3600 * 1000.0) {
      n.fail("duration must be between 1ms and 1h");
    }
    return std::chrono::milliseconds(static_cast<long long>(ms));
  }

  // A whole number from `lo` to `hi`.
  std::optional<int> integer(const std::string& key, int lo, int hi) const {
    auto text = string(key);
    if (!text) return std::nullopt;
    int v = lo - 1;
    try {
      std::size_t used = 0;
      v = std::stoi(*text, &used);
      if (used != text->size()) v = lo - 1;
    } catch (const std::exception&) {
      v = lo - 1;
    }
    if (v < lo || v > hi)
      cfg.config.find(key)->fail("expected a number from " + std::to_string(lo) + " to " +
                                 std::to_string(hi));
    return v;
  }
};

}  // namespace

AwsKmsSettings load_awskms_settings(const config::VaultConfig& cfg,
                                    const aws::EnvironmentReader& env) {
  Reader r{cfg};
  const ConfigNode& config = cfg.config;
  if (!config.is_null() && !config.is_mapping()) {
    config.fail(std::string("expected a mapping (region, access_key_id, …), got ") +
                config.kind_name());
  }
  static const std::set<std::string> known = {
      "region",   "access_key_id", "secret_access_key", "session_token", "user_name",
      "endpoint", "ca_file",       "connect_timeout",   "timeout",       "max_attempts",
      "max_concurrent_calls"};
  for (const auto& entry : config.entries()) {
    if (!known.count(entry.key)) {
      log::warn("unknown key in awskms vault config", {{"key", entry.key}, {"vault", cfg.name}});
    }
  }

  AwsKmsSettings s;
  try {
    s.client.region = aws::resolve_region(r.string("region"), env);
  } catch (const Error& e) {
    throw cfg.error(e.what());
  }
  try {
    s.client.endpoint = aws::resolve_kms_endpoint(r.string("endpoint"), s.client.region, env);
  } catch (const Error& e) {
    if (const ConfigNode* n = config.find("endpoint")) throw n->error(e.what());
    throw cfg.error(e.what());
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
    throw cfg.error(e.what());
  }

  if (auto ca = r.string("ca_file")) {
    s.transport.ca_file = *ca;
  } else if (auto bundle = env("AWS_CA_BUNDLE"); bundle && !bundle->empty()) {
    s.transport.ca_file = *bundle;
  }
  if (auto d = r.duration("connect_timeout")) s.transport.connect_timeout = *d;
  if (auto d = r.duration("timeout")) s.transport.total_timeout = *d;
  if (auto v = r.integer("max_attempts", 1, 10)) s.client.max_attempts = *v;
  if (auto v = r.integer("max_concurrent_calls", 1, 256))
    s.vault.max_concurrent_calls = static_cast<std::size_t>(*v);
  return s;
}

}  // namespace signatory::vault
