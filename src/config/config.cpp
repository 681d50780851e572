// Loading of `signatory.yaml` into `Config` (see config.h): file checks, YAML parsing, every
// section of Signatory's schema with its defaults, and validation with file:line errors.
#include "config/config.h"

#include <openssl/crypto.h>
#include <sys/stat.h>
#include <yaml-cpp/depthguard.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "config/authorized_keys.h"
#include "config/env_expand.h"
#include "config/key_policy.h"
#include "config/listen_address.h"
#include "config/yaml_field.h"

namespace signatory::config {

namespace {

using detail::YamlField;
using Entries = std::vector<YamlField::Entry>;

// A config file is a few kilobytes; anything this large is a mistake (or /dev/zero).
constexpr std::size_t kMaxConfigSize = 16 * 1024 * 1024;

const YamlField* find_set(const Entries& entries, std::string_view key) {
  for (const YamlField::Entry& e : entries) {
    if (e.key == key) return e.value.is_null() ? nullptr : &e.value;
  }
  return nullptr;
}

// A mapping section: null gives no entries; anything but a mapping fails.
Entries section_entries(const YamlField& f) {
  if (!f.is_null() && !f.is_mapping()) f.fail("expected a mapping, got " + f.kind_name());
  return f.entries();
}

// Runs `read`. With a collector, a problem (Error) is recorded and loading goes on with the next
// part of the file; without one, it is thrown.
template <typename Read>
void load_part(std::vector<Error>* problems, const Read& read) {
  if (problems == nullptr) return read();
  try {
    read();
  } catch (const Error& e) {
    problems->push_back(e);
  }
}

std::string listen_address(const YamlField& f) {
  const std::string text = f.as_string();
  try {
    (void)parse_listen_address(text);
  } catch (const Error& e) {
    f.fail(e.what());
  }
  return text;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// "YYYY-MM-DD hh:mm:ss", a real date and time (Go's time.Parse with that layout).
bool valid_timestamp(const std::string& s) {
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
      s[16] != ':') {
    return false;
  }
  auto number = [&](std::size_t at, std::size_t len, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day) || !number(11, 2, hour) ||
      !number(14, 2, minute) || !number(17, 2, second)) {
    return false;
  }
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  const int days = kDays[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
  return day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

// A secret scalar moved into locked memory; the temporary copy is wiped.
crypto::SecretBytes read_secret(const YamlField& f) {
  std::string text = f.as_string();
  crypto::SecretBytes out = crypto::SecretBytes::from_string(text);
  OPENSSL_cleanse(text.data(), text.size());
  return out;
}

JwtCredentials read_credentials(const Entries& entries) {
  JwtCredentials c;
  // Values are secret: errors name the key, never the value.
  if (const YamlField* p = find_set(entries, "password")) c.password = read_secret(*p);
  if (const YamlField* s = find_set(entries, "secret")) c.secret = read_secret(*s);
  if (const YamlField* e = find_set(entries, "jwt_exp")) {
    c.jwt_exp_minutes = static_cast<unsigned>(e->as_uint(0xFFFFFFFFu));
    if (c.jwt_exp_minutes == 0) c.jwt_exp_minutes = 60;  // 0 means the default, as in Signatory
  }
  return c;
}

JwtUser read_jwt_user(const YamlField::Entry& entry) {
  const YamlField& f = entry.value;
  JwtUser user;
  user.line = entry.key_line;
  if (!f.is_mapping()) f.fail("expected a mapping with password and secret, got " + f.kind_name());
  const Entries entries = f.entries();
  f.warn_unknown(entries, {"password", "secret", "jwt_exp", "old_cred_exp", "new_data"});
  user.name = entry.key;
  user.current = read_credentials(entries);
  if (const YamlField* exp = find_set(entries, "old_cred_exp")) {
    user.old_cred_exp = exp->as_string();
    if (!user.old_cred_exp.empty() && !valid_timestamp(user.old_cred_exp)) {
      exp->fail("expected a UTC time \"YYYY-MM-DD hh:mm:ss\", got `" + user.old_cred_exp + "'");
    }
  }
  if (const YamlField* next = find_set(entries, "new_data")) {
    if (!next->is_mapping()) {
      next->fail("expected a mapping with password and secret, got " + next->kind_name());
    }
    const Entries next_entries = next->entries();
    next->warn_unknown(next_entries, {"password", "secret", "jwt_exp"});
    user.new_data = read_credentials(next_entries);
  }
  return user;
}

void read_server(const YamlField& f, ServerConfig& server) {
  const Entries entries = section_entries(f);
  f.warn_unknown(entries, {"address", "utility_address", "authorized_keys", "jwt", "tls"});
  if (const YamlField* a = find_set(entries, "address")) server.address = listen_address(*a);
  if (const YamlField* a = find_set(entries, "utility_address")) {
    server.utility_address = listen_address(*a);
  }
  if (const YamlField* k = find_set(entries, "authorized_keys")) {
    server.authorized_keys = detail::read_authorized_keys(*k);
  }
  if (const YamlField* jwt = find_set(entries, "jwt")) {
    const Entries jwt_entries = section_entries(*jwt);
    jwt->warn_unknown(jwt_entries, {"users"});
    if (const YamlField* users = find_set(jwt_entries, "users")) {
      for (const YamlField::Entry& e : section_entries(*users)) {
        server.jwt_users.push_back(read_jwt_user(e));
      }
    }
  }
  // `tls` is an extension of ours: Signatory serves plain HTTP only.
  if (const YamlField* tls = find_set(entries, "tls")) {
    const Entries tls_entries = section_entries(*tls);
    tls->warn_unknown(tls_entries, {"cert", "key", "client_ca"});
    TlsConfig t;
    if (const YamlField* c = find_set(tls_entries, "cert"))
      t.cert_file = expand_env(c->as_string());
    if (const YamlField* k = find_set(tls_entries, "key")) t.key_file = expand_env(k->as_string());
    if (const YamlField* ca = find_set(tls_entries, "client_ca")) {
      t.client_ca_file = expand_env(ca->as_string());
    }
    if (t.cert_file.empty()) tls->fail("cert is required (path of the PEM certificate chain)");
    if (t.key_file.empty()) tls->fail("key is required (path of the PEM private key)");
    server.tls = t;
  }
}

// The view of a driver section for its driver (config_node.h): the same tree, each node with
// its line and key path. A null value is reported at the line of its key.
ConfigNode driver_section(const YAML::Node& node, const std::string& file, int line,
                          const std::string& path) {
  if (!node.IsDefined() || node.IsNull())
    return ConfigNode(ConfigNode::Kind::Null, file, line, path);
  if (node.IsScalar()) return ConfigNode::scalar(node.Scalar(), file, line, path);
  if (node.IsSequence()) {
    ConfigNode out(ConfigNode::Kind::Sequence, file, line, path);
    std::size_t index = 0;
    for (const YAML::Node& item : node) {
      out.add_item(driver_section(item, file, detail::line_of(item, line),
                                  path + "[" + std::to_string(index++) + "]"));
    }
    return out;
  }
  ConfigNode out(ConfigNode::Kind::Mapping, file, line, path);
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: yaml-cpp's iterator hands out a temporary proxy.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const int key_line = detail::line_of(key, line);
    if (!key.IsScalar()) {
      throw ConfigNode(ConfigNode::Kind::Null, file, key_line, path)
          .error("option names must be scalars");
    }
    const int value_line = value.IsNull() ? key_line : detail::line_of(value, key_line);
    out.add_entry(key.Scalar(), driver_section(value, file, value_line, path + "." + key.Scalar()));
  }
  return out;
}

ConfigNode driver_section(const YamlField& f, const std::string& file) {
  return driver_section(f.node(), file, f.line(), f.path());
}

void read_vaults(const YamlField& f, std::vector<VaultConfig>& vaults, const std::string& file,
                 std::vector<Error>* problems) {
  for (const YamlField::Entry& e : section_entries(f))
    load_part(problems, [&] {
      const YamlField& v = e.value;
      if (!v.is_mapping()) {
        v.fail("expected a mapping with `driver' and `config', got " + v.kind_name());
      }
      const Entries entries = v.entries();
      v.warn_unknown(entries, {"driver", "config"});
      VaultConfig vault;
      vault.name = e.key;
      vault.file = file;
      vault.line = e.key_line;
      if (const YamlField* d = find_set(entries, "driver")) vault.driver = d->as_string();
      if (vault.driver.empty()) v.at_line(e.key_line).fail("driver is required");
      const std::string path = "vaults." + e.key + ".config";
      if (const YamlField* c = find_set(entries, "config")) {
        vault.config = driver_section(*c, file);
      } else {
        vault.config = ConfigNode(ConfigNode::Kind::Null, file, e.key_line, path);
      }
      vaults.push_back(std::move(vault));
    });
}

void read_watermark(const YamlField& f, WatermarkConfig& watermark, const std::string& file) {
  watermark.line = f.line();
  const Entries entries = section_entries(f);
  f.warn_unknown(entries, {"driver", "config"});
  if (const YamlField* d = find_set(entries, "driver")) {
    watermark.driver = d->as_string();
    if (watermark.driver.empty()) d->fail("must not be empty");
  }
  if (const YamlField* c = find_set(entries, "config")) watermark.config = driver_section(*c, file);
}

std::optional<PolicyHookConfig> read_policy_hook(const YamlField& f) {
  const Entries entries = section_entries(f);
  f.warn_unknown(entries, {"address", "authorized_keys"});
  PolicyHookConfig hook;
  hook.line = f.line();
  if (const YamlField* a = find_set(entries, "address")) {
    hook.address = a->as_string();
    if (!hook.address.empty() && hook.address.rfind("http://", 0) != 0 &&
        hook.address.rfind("https://", 0) != 0) {
      a->fail("expected an http:// or https:// URL, got `" + hook.address + "'");
    }
  }
  if (const YamlField* k = find_set(entries, "authorized_keys")) {
    hook.authorized_keys = detail::read_authorized_keys(*k);
  }
  if (hook.address.empty()) {
    if (!entries.empty()) f.warn("address is empty: the policy hook is disabled");
    return std::nullopt;
  }
  return hook;
}

void read_policies(const YamlField& f, Config& cfg, std::vector<Error>* problems) {
  for (const YamlField::Entry& e : section_entries(f))
    load_part(problems, [&] {
      tezos::PublicKeyHash pkh;
      try {
        pkh = tezos::PublicKeyHash::parse(e.key);
      } catch (const Error& err) {
        e.value.at_line(e.key_line).fail(std::string("invalid public key hash: ") + err.what());
      }
      // The policy is reported at the line of its pkh (a null policy has no line of its own).
      cfg.policies.emplace_back(
          pkh, detail::read_key_policy(e.value.at_line(e.key_line), pkh, cfg.server));
    });
}

// `yaml_text` parsed; errors name `name` and the line.
YAML::Node load_yaml(const std::string& yaml_text, const std::string& name) {
  try {
    return YAML::Load(yaml_text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp 0.7 gives this one the message "bad file".
    throw bad_request(name + ":" + std::to_string(e.mark.line + 1) +
                      ": invalid YAML: nested too deeply (" + std::to_string(e.depth()) +
                      " levels)");
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    throw bad_request(name + ":" + std::to_string(line) + ": invalid YAML: " + e.msg);
  }
}

}  // namespace

Error VaultConfig::error(const std::string& reason) const {
  return ConfigNode(ConfigNode::Kind::Null, file, line, "vaults." + name).error(reason);
}

const KeyPolicy* Config::policy_for(const tezos::PublicKeyHash& pkh) const {
  for (const auto& [key, policy] : policies) {
    if (key == pkh) return &policy;
  }
  return nullptr;
}

namespace {

// parse_config, recording problems in `problems` (when not null) and going on where it can.
Config parse_config_parts(const std::string& yaml_text, const std::string& name,
                          const std::optional<std::string>& base_dir_override,
                          std::vector<Error>* problems) {
  Config cfg;
  cfg.path = name;
  cfg.watermark.config = ConfigNode(ConfigNode::Kind::Null, name, 0, "watermark.config");
  const detail::YamlSource source{name, &cfg.warnings};

  const YAML::Node root = load_yaml(yaml_text, name);
  const YamlField top(&source, root, "", detail::line_of(root, 1));
  if (!top.is_null() && !top.is_mapping()) {
    top.fail("expected a mapping at the top of the file, got " + top.kind_name());
  }
  const Entries entries = top.entries();
  top.warn_unknown(entries, {"base_dir", "server", "vaults", "watermark", "policy_hook", "tezos"});

  // The server section first: key policies are checked against its users and keys.
  if (const YamlField* s = find_set(entries, "server"))
    load_part(problems, [&] { read_server(*s, cfg.server); });

  load_part(problems, [&] {
    const YamlField* base_dir = find_set(entries, "base_dir");
    if (base_dir_override) {
      cfg.base_dir = *base_dir_override;
    } else if (base_dir != nullptr) {
      cfg.base_dir = base_dir->as_string();
    }
    cfg.base_dir = expand_env(cfg.base_dir);
    if (cfg.base_dir.empty()) {
      if (base_dir != nullptr && !base_dir_override) base_dir->fail("must not be empty");
      throw bad_request("base_dir must not be empty");
    }
  });

  if (const YamlField* v = find_set(entries, "vaults"))
    load_part(problems, [&] { read_vaults(*v, cfg.vaults, name, problems); });
  if (const YamlField* w = find_set(entries, "watermark"))
    load_part(problems, [&] { read_watermark(*w, cfg.watermark, name); });
  if (const YamlField* h = find_set(entries, "policy_hook"))
    load_part(problems, [&] { cfg.policy_hook = read_policy_hook(*h); });
  if (const YamlField* t = find_set(entries, "tezos"))
    load_part(problems, [&] { read_policies(*t, cfg, problems); });
  return cfg;
}

}  // namespace

Config parse_config(const std::string& yaml_text, const std::string& name,
                    const std::optional<std::string>& base_dir_override) {
  return parse_config_parts(yaml_text, name, base_dir_override, nullptr);
}

ConfigNode parse_config_node(const std::string& yaml_text, const std::string& file,
                             const std::string& path) {
  const YAML::Node node = load_yaml(yaml_text, file);
  return driver_section(node, file, detail::line_of(node, 1), path);
}

namespace {

// The text of the config file at `path`. Throws Error(BadRequest) naming the file.
std::string read_config_file(const std::string& path) {
  // Signatory's own wording (it prints "CRITICAL: Config file permission error: …").
  const std::string what = "Config file permission error: ";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      throw bad_request(what + "file does not exist: " + path);
    }
    throw bad_request(what + "cannot access " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw bad_request(what + "not a regular file: " + path);
  if (static_cast<std::uint64_t>(st.st_size) > kMaxConfigSize) {
    throw bad_request("config file " + path + " is too large (more than 16 MiB)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_request(what + "file cannot be read: " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw bad_request(what + "file cannot be read: " + path);
  return text.str();
}

}  // namespace

Config load_config(const std::string& path, const std::optional<std::string>& base_dir_override) {
  return parse_config(read_config_file(path), path, base_dir_override);
}

Config load_config_checked(const std::string& path,
                           const std::optional<std::string>& base_dir_override,
                           std::vector<Error>& problems) {
  try {
    return parse_config_parts(read_config_file(path), path, base_dir_override, &problems);
  } catch (const Error& e) {  // the file itself: unreadable, not YAML, not a mapping
    problems.push_back(e);
    Config cfg;
    cfg.path = path;
    return cfg;
  }
}

}  // namespace signatory::config
