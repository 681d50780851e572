// Layouts of `signatory-cli list` (see key_list_format.h).
#include "cli/key_list_format.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace signatory::cli {
namespace {

std::string bracketed(std::vector<std::string> items, bool sort) {
  if (sort) std::sort(items.begin(), items.end());
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
  return out + "]";
}

std::string line(const std::string& label, std::size_t column, const std::string& value) {
  std::string out = label;
  if (out.size() < column - 1) out.resize(column - 1, ' ');
  return out + value + "\n";
}

std::vector<std::string> generic_ops(const config::KeyPolicy& p) {
  return p.allowed_operations.value_or(std::vector<std::string>{});
}

std::string legacy(const signer::KeyEntry& e) {
  std::string out;
  out += line("Public Key Hash:", 21, e.key->public_key().hash().to_base58());
  out += line("Vault:", 21, e.vault_type);
  out += line("ID:", 21, e.key->id());
  out += line("Active:", 21, e.policy ? "true" : "false");
  if (e.policy) {
    const auto& p = *e.policy;
    out += line("Allowed Operations:", 21,
                bracketed(p.legacy_syntax ? p.legacy_allowed_operations : p.allowed_requests, true));
    out += line("Allowed Kinds:", 21,
                bracketed(p.legacy_syntax ? p.legacy_allowed_kinds : generic_ops(p), true));
  }
  return out + "\n";
}

std::string current(const signer::KeyEntry& e) {
  std::string out;
  out += line("Public Key Hash:", 28, e.key->public_key().hash().to_base58());
  out += line("Public Key:", 28, e.key->public_key().to_base58());
  out += line("Reference:", 28, e.key->id());
  out += line("Vault:", 28, e.vault_type);
  out += line("Active:", 28, e.policy ? "true" : "false");
  if (e.policy) {
    out += line("Allowed Requests:", 28, bracketed(e.policy->allowed_requests, false));
    out += line("Allowed Operations:", 28, bracketed(generic_ops(*e.policy), false));
    bool pop = e.policy->allow_proof_of_possession &&
               e.key->public_key().type() == tezos::KeyType::Bls;
    out += line("Allow Proof of Possession:", 28, pop ? "true" : "false");
  }
  return out + "\n";
}

}  // namespace

ListFormat parse_list_format(const std::string& name) {
  if (name == "legacy" || name.empty()) return ListFormat::Legacy;
  if (name == "current") return ListFormat::Current;
  if (name == "json") return ListFormat::Json;
  throw bad_request("invalid list format `" + name + "': valid formats are legacy, current, json");
}

std::string format_key_list(const std::vector<signer::KeyEntry>& keys, ListFormat format) {
  if (format == ListFormat::Json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : keys) {
      nlohmann::json item{{"public_key_hash", e.key->public_key().hash().to_base58()},
                          {"public_key", e.key->public_key().to_base58()},
                          {"id", e.key->id()},
                          {"vault", e.vault_type},
                          {"vault_name", e.vault_config_name},
                          {"active", e.policy != nullptr}};
      if (e.policy) {
        item["allowed_requests"] = e.policy->allowed_requests;
        item["allowed_operations"] = generic_ops(*e.policy);
        item["allow_proof_of_possession"] = e.policy->allow_proof_of_possession;
      }
      out.push_back(item);
    }
    return out.dump(2) + "\n";
  }
  std::string out;
  for (const auto& e : keys) out += format == ListFormat::Legacy ? legacy(e) : current(e);
  return out;
}

}  // namespace signatory::cli
