// Policy name normalisation and the list of valid operation names (see policy_names.h).
#include "config/policy_names.h"

#include <algorithm>
#include <array>
#include <utility>

#include "tezos/sign_request.h"

namespace signatory::config {

namespace {

using Rename = std::pair<std::string_view, std::string_view>;

constexpr std::array<Rename, 2> kRequestRenames{{
    {"endorsement", "attestation"},
    {"preendorsement", "preattestation"},
}};

constexpr std::array<Rename, 6> kOperationRenames{{
    {"endorsement", "attestation"},
    {"preendorsement", "preattestation"},
    {"double_endorsement_evidence", "double_consensus_operation_evidence"},
    {"double_preendorsement_evidence", "double_consensus_operation_evidence"},
    {"double_attestation_evidence", "double_consensus_operation_evidence"},
    {"double_preattestation_evidence", "double_consensus_operation_evidence"},
}};

template <std::size_t N>
const Rename* find_rename(const std::array<Rename, N>& renames, std::string_view name) {
  for (const Rename& r : renames) {
    if (r.first == name) return &r;
  }
  return nullptr;
}

}  // namespace

std::string normalize_request_kind(std::string_view name) {
  const Rename* r = find_rename(kRequestRenames, name);
  return std::string(r != nullptr ? r->second : name);
}

bool is_legacy_request_kind(std::string_view name) {
  return find_rename(kRequestRenames, name) != nullptr;
}

std::string normalize_operation_kind(std::string_view name) {
  const auto colon = name.find(':');
  const std::string_view base = name.substr(0, colon);
  const Rename* r = find_rename(kOperationRenames, base);
  if (r == nullptr) return std::string(name);
  std::string out(r->second);
  if (colon != std::string_view::npos) out.append(name.substr(colon));
  return out;
}

bool is_legacy_operation_kind(std::string_view name) {
  return find_rename(kOperationRenames, name.substr(0, name.find(':'))) != nullptr;
}

const std::vector<std::string>& policy_operation_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out = tezos::operation_kind_names();
    for (const char* extra : {"ballot:yay", "ballot:nay", "ballot:pass", "attestation",
                              "attestation_with_dal", "preattestation"}) {
      out.emplace_back(extra);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }();
  return names;
}

bool is_policy_operation_name(std::string_view name) {
  const auto& names = policy_operation_names();
  return std::binary_search(names.begin(), names.end(), name);
}

}  // namespace signatory::config
