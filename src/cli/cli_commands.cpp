// signatory-cli commands (see cli_commands.h).
#include "cli/cli_commands.h"

#include <sodium.h>

#include <cstdio>
#include <iostream>

#include "cli/terminal_prompt.h"
#include "common/error.h"
#include "common/log.h"
#include "crypto/pkcs8.h"
#include "crypto/secret_file.h"
#include "tezos/sign_request.h"

#ifndef SIGNATORY_GIT_REVISION
#define SIGNATORY_GIT_REVISION "unknown"
#endif
#ifndef SIGNATORY_GIT_BRANCH
#define SIGNATORY_GIT_BRANCH "unknown"
#endif

namespace signatory::cli {
namespace {

vault::Vault& find_vault(std::vector<signer::NamedVault>& vaults, const config::Config& cfg,
                         const std::string& name) {
  for (auto& nv : vaults)
    if (nv.config_name == name) return *nv.vault;
  for (const auto& vc : cfg.vaults)
    if (vc.name == name) throw internal_error("vault `" + name + "' could not be opened (see the log)");
  std::string names;
  for (const auto& vc : cfg.vaults) names += (names.empty() ? "" : ", ") + vc.name;
  throw bad_request("vault `" + name + "' is not in the config" +
                    (names.empty() ? std::string() : "; configured vaults: " + names));
}

// The key name of `-o name:<key name>` (the only option the file and mem vaults take).
std::string key_name_option(const std::string& options) {
  std::string key_name;
  for (const auto& [k, v] : parse_options_map(options)) {
    if (k == "name") key_name = v;
    else throw bad_request("options: unknown option `" + k + "'; valid options are name");
  }
  return key_name;
}

tezos::KeyType key_type_of(crypto::Pkcs8Algorithm algorithm) {
  switch (algorithm) {
    case crypto::Pkcs8Algorithm::Ed25519: return tezos::KeyType::Ed25519;
    case crypto::Pkcs8Algorithm::Secp256k1: return tezos::KeyType::Secp256k1;
    case crypto::Pkcs8Algorithm::P256: return tezos::KeyType::P256;
  }
  throw internal_error("unknown PKCS#8 algorithm");
}

// Reads the keys of an import: a file holds PKCS#8 PEM keys; an argument is PEM text too when
// it looks like it, else one base58 Tezos key. The password comes from --password, else from a
// prompt, and is asked for only when a key is encrypted.
class KeyReader {
 public:
  explicit KeyReader(const std::optional<std::string>& password) : password_(password) {}

  void add_pem(std::string_view text, const std::string& source) {
    for (auto& key : crypto::parse_pkcs8_pem(text, source, [this] { return password(); }))
      keys_.push_back(tezos::SecretKey::from_secret(key_type_of(key.algorithm),
                                                    std::move(key.secret)));
  }

  void add_text(std::string_view text, const std::string& source) {
    if (crypto::looks_like_pem(text)) return add_pem(text, source);
    if (!tezos::SecretKey::is_encrypted(text)) {
      keys_.push_back(tezos::SecretKey::parse(text));
      return;
    }
    const crypto::SecretBytes pw = password();
    keys_.push_back(tezos::SecretKey::decrypt(text, pw.as_string()));
  }

  std::vector<tezos::SecretKey>& keys() { return keys_; }

 private:
  crypto::SecretBytes password() const {
    if (password_) return crypto::SecretBytes::from_string(*password_);
    return prompt_secret("Enter the password: ");
  }

  const std::optional<std::string>& password_;
  std::vector<tezos::SecretKey> keys_;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_options_map(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  if (text.empty()) return out;
  std::string key, value, *cur = &key;
  bool in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) throw bad_request("options: unexpected end of the string");
      *cur += text[++i];
    } else if (c == '"') {
      in_quotes = !in_quotes;
    } else if (!in_quotes && c == ':' && cur == &key) {
      cur = &value;
    } else if (!in_quotes && c == ',') {
      if (cur != &value) throw bad_request("options: expected key:value in `" + text + "'");
      out.emplace_back(key, value);
      key.clear();
      value.clear();
      cur = &key;
      if (i + 1 == text.size()) throw bad_request("options: unexpected end of the string");
    } else {
      *cur += c;
    }
  }
  if (in_quotes) throw bad_request("options: unterminated quote");
  if (cur != &value) throw bad_request("options: expected key:value in `" + text + "'");
  out.emplace_back(key, value);
  return out;
}

int list_keys(const GlobalFlags& flags, ListFormat format) {
  config::Config cfg = load_config_logged(flags);
  auto vaults = open_vaults(cfg);
  std::vector<signer::KeyEntry> entries;
  for (const auto& nv : vaults) {
    auto keys = nv.vault->list();
    if (keys.empty()) log::error("No valid keys found in the vault " + nv.config_name);
    for (auto& key : keys)
      entries.push_back({key, nv.vault->type_label(), nv.config_name,
                         cfg.policy_for(key->public_key().hash())});
  }
  std::cout << format_key_list(entries, format) << std::flush;
  return 0;
}

int import_keys(const GlobalFlags& flags, ImportRequest request) {
  if (!request.pem_file.empty() && !request.secret_keys.empty())
    throw bad_request("give either secret keys or --from FILE, not both");
  const std::string key_name = key_name_option(request.options);
  config::Config cfg = load_config_logged(flags);
  auto vaults = open_vaults(cfg);
  vault::Vault& target = find_vault(vaults, cfg, request.vault_name);

  // Every key is read and checked before the first is stored: a bad one stores nothing.
  KeyReader reader(request.password);
  if (!request.pem_file.empty()) {
    const crypto::SecretBytes text = crypto::read_secret_file(request.pem_file);
    reader.add_pem(text.as_string(), request.pem_file);
  }
  for (auto& arg : request.secret_keys) {
    const crypto::SecretBytes text = crypto::SecretBytes::from_string(arg);
    sodium_memzero(arg.data(), arg.size());
    reader.add_text(text.as_string(), "the secret key argument");
  }
  if (request.pem_file.empty() && request.secret_keys.empty()) {
    const crypto::SecretBytes text = prompt_secret("Enter the secret key: ");
    reader.add_text(text.as_string(), "the secret key");
  }
  auto& keys = reader.keys();
  if (!key_name.empty() && keys.size() > 1)
    throw bad_request("options: name:" + key_name + " names one key, but there are " +
                      std::to_string(keys.size()));

  for (auto& key : keys) {
    std::string pkh = key.public_key().hash().to_base58();
    log::info("Requesting import operation", {{"pkh", pkh}, {"vault", target.type_label()}});
    target.import_key(std::move(key), key_name);
    log::info("Successfully imported", {{"pkh", pkh}, {"vault", target.type_label()}});
  }
  return 0;
}

int generate_keys(const GlobalFlags& flags, const GenerateRequest& request) {
  if (request.count < 1) throw bad_request("--num must be at least 1");
  const tezos::KeyType key_type = tezos::parse_key_type(request.type);
  const ListFormat format = parse_list_format(request.format);
  const std::string key_name = key_name_option(request.options);
  if (!key_name.empty() && request.count > 1)
    throw bad_request("options: name:" + key_name + " names one key; --num is " +
                      std::to_string(request.count));
  config::Config cfg = load_config_logged(flags);
  auto vaults = open_vaults(cfg);
  vault::Vault& target = find_vault(vaults, cfg, request.vault_name);
  std::vector<signer::KeyEntry> entries;
  for (int i = 0; i < request.count; ++i) {
    auto key = target.generate_key(key_type, key_name);
    entries.push_back(
        {key, target.type_label(), request.vault_name, cfg.policy_for(key->public_key().hash())});
  }
  std::cout << format_key_list(entries, format) << std::flush;
  return 0;
}

std::vector<std::string> configured_vault_names(const GlobalFlags& flags) {
  std::vector<std::string> names;
  for (const auto& vc : config::load_config(flags.config_path, flags.base_dir).vaults)
    names.push_back(vc.name);
  return names;
}

int list_requests() {
  std::cout << "Possible request types:\n";
  for (const auto& k : tezos::request_kind_names()) std::cout << "    - " << k << "\n";
  return 0;
}

int list_ops() {
  std::cout << "Possible operation types:\n";
  for (const auto& k : tezos::operation_kind_names()) std::cout << "    - " << k << "\n";
  return 0;
}

std::string version_text() {
  std::string revision = SIGNATORY_GIT_REVISION, branch = SIGNATORY_GIT_BRANCH;
  if (revision == branch) return "Release Version: " + revision + "\n";
  return "GitRevision: " + revision + "\nGitBranch: " + branch + "\n";
}

}  // namespace signatory::cli
