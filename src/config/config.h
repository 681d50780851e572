// The typed form of `signatory.yaml` (Signatory's schema, pkg/config), loaded once at start.
//
// `load_config` reads the file with YAML anchors and aliases, applies defaults, resolves both
// policy syntaxes (current `allow:` and legacy `allowed_operations`/`allowed_kinds`, with the
// legacy names `endorsement`/`preendorsement` mapped to today's) and validates. Unknown keys
// give a warning; a wrong type, an invalid address, key or hash fails with Error(BadRequest)
// "<file>:<line>: <key path>: <reason>". Vault and watermark `config:` sections are handed to
// their drivers as ConfigNode (common/config_node.h): a typed view with each value's position,
// so that a driver's errors name the file and line too. No YAML type leaves this module.
//
// A Config is immutable after loading and may be read from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config_node.h"
#include "common/error.h"
#include "crypto/secret_bytes.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"

namespace signatory::config {

// The policy of one key (`tezos.<pkh>`), resolved.
struct KeyPolicy {
  // Request kinds this key may sign, normalised (endorsement → attestation …). The default
  // policy (`tezos.<pkh>:` with no value) is [block preattestation attestation].
  std::vector<std::string> allowed_requests;
  // Generic operation kinds (`allow.generic` or `allowed_kinds`), normalised and sorted;
  // entries may be `ballot:yay|nay|pass`. nullopt when the list is absent.
  std::optional<std::vector<std::string>> allowed_operations;
  std::vector<tezos::ChainId> allowed_chains;  // empty: any chain
  bool allow_proof_of_possession = false;
  bool log_payloads = false;
  std::optional<std::vector<tezos::PublicKey>> authorized_keys;  // per-key client keys
  std::optional<std::vector<std::string>> jwt_users;

  // How the policy was written, for `signatory-cli list` in the legacy layout: the names exactly
  // as in the file (not normalised), only set when the legacy syntax was used.
  bool legacy_syntax = false;
  std::vector<std::string> legacy_allowed_operations;
  std::vector<std::string> legacy_allowed_kinds;
};

// One user's login password and token-signing secret (HMAC key). Both are secrets: held in
// wiped, locked memory and never logged or put in a message. Complexity is checked when the
// server starts (auth/jwt_auth.h), not here, so that `signatory-cli` still loads a config
// whose credentials the server would refuse.
struct JwtCredentials {
  crypto::SecretBytes password;
  crypto::SecretBytes secret;
  unsigned jwt_exp_minutes = 60;  // token lifetime; `jwt_exp` 0 or absent means 60
};

struct JwtUser {
  std::string name;
  int line = 0;  // the line of its name under `server.jwt.users`
  JwtCredentials current;
  std::optional<JwtCredentials> new_data;  // rotation target
  std::string old_cred_exp;  // "YYYY-MM-DD hh:mm:ss" UTC, may be empty: when new_data takes over
};

struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // optional: verify client certificates
};

struct ServerConfig {
  std::string address = ":6732";
  std::string utility_address = ":9583";
  std::vector<tezos::PublicKey> authorized_keys;  // empty: no client authentication
  std::vector<JwtUser> jwt_users;                 // empty: no JWT
  std::optional<TlsConfig> tls;
};

struct VaultConfig {
  std::string name;    // the YAML key under `vaults:`
  std::string driver;  // `file`, `mem`, `awskms`, …
  ConfigNode config;   // `vaults.<name>.config`, driver-specific; may be null
  std::string file;    // where the vault was written, for error messages
  int line = 0;        // the line of its name

  // Error(BadRequest) "<file>:<line>: vaults.<name>: <reason>", for the vault as a whole.
  Error error(const std::string& reason) const;
};

struct WatermarkConfig {
  std::string driver = "file";
  int line = 0;       // the line of the `watermark:` section (0: absent)
  ConfigNode config;  // `watermark.config`, driver-specific; may be null
};

struct PolicyHookConfig {
  std::string address;
  int line = 0;  // the line of the `policy_hook:` section
  std::vector<tezos::PublicKey> authorized_keys;
};

struct Config {
  std::string path;  // the file it was loaded from
  std::string base_dir = "/var/lib/signatory";
  ServerConfig server;
  std::vector<VaultConfig> vaults;  // config order
  WatermarkConfig watermark;
  std::optional<PolicyHookConfig> policy_hook;
  // `tezos:` keys in config order, with their policies.
  std::vector<std::pair<tezos::PublicKeyHash, KeyPolicy>> policies;
  // Warnings met while loading (unknown keys, deprecated syntax); the caller logs them.
  std::vector<std::string> warnings;

  const KeyPolicy* policy_for(const tezos::PublicKeyHash& pkh) const;
};

// Loads and validates `path`. `base_dir_override` is the --base-dir flag. `$VAR`/`${VAR}` are
// expanded in base_dir and file-vault paths only. Throws Error(BadRequest) with file:line.
Config load_config(const std::string& path,
                   const std::optional<std::string>& base_dir_override = std::nullopt);

// Loads `path` as load_config does, but goes on after a problem where it can (the server
// section, base_dir, each vault, the watermark and policy hook sections, each key's policy):
// every problem is appended to `problems` and the Config holds the parts that loaded. A file
// that cannot be read or parsed as YAML is one problem. For `signatory-cli config check`.
Config load_config_checked(const std::string& path,
                           const std::optional<std::string>& base_dir_override,
                           std::vector<Error>& problems);

// Parses a config held in memory (`name` is used as the file name in messages).
Config parse_config(const std::string& yaml_text, const std::string& name,
                    const std::optional<std::string>& base_dir_override = std::nullopt);

// A driver section written as YAML text on its own (tests, tools): its view, with lines counted
// in `yaml_text`, errors naming `file` and the key path `path` (e.g. "vaults.kms.config").
ConfigNode parse_config_node(const std::string& yaml_text, const std::string& file,
                             const std::string& path);

}  // namespace signatory::config
