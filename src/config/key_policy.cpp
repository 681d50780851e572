// Reading, normalising and validating one key's policy (see key_policy.h).
#include "config/key_policy.h"

#include <algorithm>

#include "common/error.h"
#include "config/authorized_keys.h"
#include "config/policy_names.h"

namespace signatory::config {

namespace {

using detail::YamlField;

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

void warn_deprecated_name(const YamlField& where, const std::string& written,
                          const std::string& current) {
  where.warn("Deprecated configuration detected: '" + written + "' should be replaced with '" +
             current + "'");
}

// A request kind as written → today's name; fails naming the valid kinds.
std::string request_kind(const YamlField& where, const std::string& written) {
  const std::string name = normalize_request_kind(written);
  if (!tezos::parse_request_kind(name)) {
    where.fail("invalid request kind `" + written + "'; valid kinds are " +
               join(tezos::request_kind_names()));
  }
  if (is_legacy_request_kind(written)) warn_deprecated_name(where, written, name);
  return name;
}

void sort_unique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

// A list of generic operation kinds → today's names, sorted, without repeats (two legacy names
// may map to one); fails naming the valid kinds.
std::vector<std::string> operation_kinds(const YamlField& list) {
  std::vector<std::string> out;
  for (const YamlField& item : list.items()) {
    if (!item.is_scalar()) item.fail("expected a list of operation kinds, got " + item.kind_name());
    const std::string& written = item.node().Scalar();
    const std::string name = normalize_operation_kind(written);
    if (!is_policy_operation_name(name)) {
      item.fail("invalid operation kind `" + written + "'; valid kinds are " +
                join(policy_operation_names()));
    }
    if (is_legacy_operation_kind(written)) warn_deprecated_name(item, written, name);
    out.push_back(name);
  }
  sort_unique(out);
  return out;
}

const YamlField* find(const std::vector<YamlField::Entry>& entries, std::string_view key) {
  for (const YamlField::Entry& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

const YamlField* find_set(const std::vector<YamlField::Entry>& entries, std::string_view key) {
  const YamlField* f = find(entries, key);
  return f != nullptr && !f->is_null() ? f : nullptr;
}

void read_allow(const YamlField& allow, KeyPolicy& policy) {
  if (!allow.is_mapping()) {
    allow.fail("expected a mapping of request kinds, got " + allow.kind_name());
  }
  for (const YamlField::Entry& e : allow.entries()) {
    const std::string kind = request_kind(allow.at_line(e.key_line), e.key);
    policy.allowed_requests.push_back(kind);
    if (kind == "generic") {
      policy.allowed_operations = operation_kinds(e.value);  // null: an empty list
    } else if (!e.value.is_null()) {
      (void)e.value.as_string_list();  // Signatory's type: a list of strings
      e.value.warn("list ignored: only `generic' takes a list of operation kinds");
    }
  }
  sort_unique(policy.allowed_requests);
}

void read_legacy(const YamlField* operations, const YamlField* kinds, KeyPolicy& policy,
                 const YamlField& where) {
  policy.legacy_syntax = true;
  if (operations != nullptr) {
    policy.legacy_allowed_operations = operations->as_string_list();
    for (const YamlField& item : operations->items()) {
      policy.allowed_requests.push_back(request_kind(item, item.node().Scalar()));
    }
    sort_unique(policy.allowed_requests);
  }
  if (kinds != nullptr) {
    policy.legacy_allowed_kinds = kinds->as_string_list();
    policy.allowed_operations = operation_kinds(*kinds);
  }
  where.warn(
      "`allowed_operations` and `allowed_kinds` options are deprecated. Use `allow` "
      "instead:\n" +
      render_allow_block(policy));
}

}  // namespace

KeyPolicy default_key_policy() {
  KeyPolicy policy;
  policy.allowed_requests = {"block", "preattestation", "attestation"};
  return policy;
}

std::string render_allow_block(const KeyPolicy& policy) {
  std::string out = "allow:\n";
  for (const std::string& kind : policy.allowed_requests) {
    out += "  " + kind + ":\n";
    if (kind == "generic" && policy.allowed_operations) {
      for (const std::string& op : *policy.allowed_operations) out += "    - " + op + "\n";
    }
  }
  if (policy.allowed_requests.empty()) out = "allow: {}\n";
  return out;
}

namespace detail {

KeyPolicy read_key_policy(const YamlField& value, const tezos::PublicKeyHash& pkh,
                          const ServerConfig& server) {
  if (value.is_null()) return default_key_policy();
  if (!value.is_mapping()) value.fail("expected a policy mapping, got " + value.kind_name());

  // Inside a policy, paths read "tezos.<pkh>: allowed_kinds", so the pkh stays readable.
  const YamlField field = value.with_child_separator(": ");
  const auto entries = field.entries();
  field.warn_unknown(entries,
                     {"allow", "allowed_operations", "allowed_kinds", "allowed_chains",
                      "allow_proof_of_possession", "log_payloads", "authorized_keys", "jwt_users"});
  KeyPolicy policy;

  const YamlField* allow = find_set(entries, "allow");
  const YamlField* operations = find_set(entries, "allowed_operations");
  const YamlField* kinds = find_set(entries, "allowed_kinds");
  if (allow != nullptr) {
    read_allow(*allow, policy);
    for (const YamlField* legacy : {operations, kinds}) {
      if (legacy == nullptr) continue;
      (void)legacy->as_string_list();
      legacy->warn("ignored because `allow' is set");
    }
  } else if (operations != nullptr || kinds != nullptr) {
    read_legacy(operations, kinds, policy, field);
  } else {
    // As in Signatory: a policy without either syntax allows nothing (not the default policy).
    field.warn("no `allow' list: this key may sign nothing");
  }

  if (const YamlField* chains = find_set(entries, "allowed_chains")) {
    for (const YamlField& item : chains->items()) {
      if (!item.is_scalar()) item.fail("expected a list of chain ids, got " + item.kind_name());
      try {
        policy.allowed_chains.push_back(tezos::ChainId::parse(item.node().Scalar()));
      } catch (const Error& e) {
        item.fail("invalid chain id `" + item.node().Scalar() + "': " + e.what());
      }
    }
  }
  if (const YamlField* pop = find_set(entries, "allow_proof_of_possession")) {
    const bool allowed = pop->as_bool();
    if (allowed && pkh.type != tezos::KeyType::Bls) {
      pop->warn("proof of possession is not supported for " + pkh.to_base58());
    } else {
      policy.allow_proof_of_possession = allowed;
    }
  }
  if (const YamlField* log = find_set(entries, "log_payloads")) {
    policy.log_payloads = log->as_bool();
  }
  if (const YamlField* keys = find_set(entries, "authorized_keys")) {
    policy.authorized_keys = read_authorized_keys(*keys);
    if (server.authorized_keys.empty()) {
      keys->warn(
          "server.authorized_keys is empty, so no client can authenticate: every "
          "request for this key will be denied");
    }
  }
  if (const YamlField* users = find_set(entries, "jwt_users")) {
    policy.jwt_users = users->as_string_list();
    const auto items = users->items();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string& user = (*policy.jwt_users)[i];
      const bool defined = std::any_of(server.jwt_users.begin(), server.jwt_users.end(),
                                       [&](const JwtUser& u) { return u.name == user; });
      if (!defined) items[i].warn("user `" + user + "' is not defined in server.jwt.users");
    }
  }
  return policy;
}

}  // namespace detail
}  // namespace signatory::config
