// signatory-cli commands (see cli_commands.h).
#include "cli/cli_commands.h"

#include <cstdio>
#include <iostream>

#include "cli/terminal_prompt.h"
#include "common/error.h"
#include "common/log.h"
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

int import_keys(const GlobalFlags& flags, const std::string& vault_name,
                std::vector<std::string> secret_keys, const std::string& options,
                bool password_given, const std::string& password) {
  config::Config cfg = load_config_logged(flags);
  auto vaults = open_vaults(cfg);
  vault::Vault& target = find_vault(vaults, cfg, vault_name);
  std::string key_name;
  for (const auto& [k, v] : parse_options_map(options)) {
    if (k == "name") key_name = v;
    else throw bad_request("options: unknown option `" + k + "'; valid options are name");
  }
  std::vector<crypto::SecretBytes> texts;
  for (auto& s : secret_keys) {
    texts.emplace_back(crypto::SecretBytes::from_string(s));
    std::fill(s.begin(), s.end(), '\0');
  }
  if (texts.empty()) texts.push_back(prompt_secret("Enter the secret key: "));
  for (const auto& text : texts) {
    std::string_view sk = text.as_string();
    tezos::SecretKey key = [&] {
      if (!tezos::SecretKey::is_encrypted(sk)) return tezos::SecretKey::parse(sk);
      if (password_given) return tezos::SecretKey::decrypt(sk, password);
      crypto::SecretBytes pw = prompt_secret("Enter the password: ");
      return tezos::SecretKey::decrypt(sk, pw.as_string());
    }();
    std::string pkh = key.public_key().hash().to_base58();
    log::info("Requesting import operation", {{"pkh", pkh}, {"vault", target.type_label()}});
    target.import_key(std::move(key), key_name);
    log::info("Successfully imported", {{"pkh", pkh}, {"vault", target.type_label()}});
  }
  return 0;
}

int generate_keys(const GlobalFlags& flags, const std::string& vault_name, const std::string& type,
                  int count, ListFormat format) {
  if (count < 1) throw bad_request("--num must be at least 1");
  tezos::KeyType key_type = tezos::parse_key_type(type);
  config::Config cfg = load_config_logged(flags);
  auto vaults = open_vaults(cfg);
  vault::Vault& target = find_vault(vaults, cfg, vault_name);
  std::vector<signer::KeyEntry> entries;
  for (int i = 0; i < count; ++i) {
    auto key = target.generate_key(key_type, "");
    entries.push_back({key, target.type_label(), vault_name, cfg.policy_for(key->public_key().hash())});
  }
  std::cout << format_key_list(entries, format) << std::flush;
  return 0;
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
