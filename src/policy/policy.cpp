// The built-in allow/deny decision of Signatory's matchFilter (see policy.h).
#include "policy/policy.h"

#include <algorithm>

#include "auth/key_clients.h"

namespace signatory::policy {

namespace {

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::optional<Denial> evaluate(const config::KeyPolicy& policy, const tezos::SignRequest& request,
                               const auth::Identity& client) {
  // 1. Chain: consensus requests only; no metric label (violation type "").
  if (!policy.allowed_chains.empty() && tezos::is_consensus(request.kind)) {
    const auto& chains = policy.allowed_chains;
    if (!request.chain_id ||
        std::find(chains.begin(), chains.end(), *request.chain_id) == chains.end()) {
      const std::string chain = request.chain_id ? request.chain_id->to_base58() : "";
      return Denial{"chain `" + chain + "' is not allowed", ""};
    }
  }

  // 2. Client key, when this key restricts its clients.
  if (auto refusal = auth::client_key_refusal(policy, client))
    return Denial{std::move(*refusal), "authentication"};

  // 3. Request kind.
  const std::string kind(tezos::request_kind_name(request.kind));
  if (!listed(policy.allowed_requests, kind)) {
    return Denial{"request kind `" + kind + "' is not allowed", kind};
  }

  // 4. Every operation of a generic batch; the first one refused is named.
  if (request.kind == tezos::RequestKind::Generic) {
    static const std::vector<std::string> kNone;
    const auto& ops = policy.allowed_operations ? *policy.allowed_operations : kNone;
    for (const std::string& op : request.operations) {
      // `ballot:<vote>` is allowed by `ballot` (every vote) or by that very vote.
      const bool is_vote = op.rfind("ballot:", 0) == 0;
      const bool allowed = listed(ops, op) || (is_vote && listed(ops, "ballot"));
      if (!allowed) return Denial{"operation `" + op + "' is not allowed", op};
    }
  }
  return std::nullopt;
}

}  // namespace signatory::policy
