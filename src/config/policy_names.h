// The names a key policy may use, and today's spelling of the legacy ones (Signatory's PreparePolicy, pkg/signatory/signatory.go).
//
// Request kinds: `endorsement` → `attestation`, `preendorsement` → `preattestation`.
// Generic operation kinds: the same two, and the double-signing evidence of older protocols
// (`double_endorsement_evidence`, `double_preendorsement_evidence`,
// `double_attestation_evidence`, `double_preattestation_evidence`) → today's
// `double_consensus_operation_evidence`. For `ballot:<vote>` only the part before `:` is mapped.
//
// Difference from Signatory (deliberate): Signatory maps the evidence names to
// `double_attestation_evidence`, which its own list then rejects, and refuses `attestation`,
// `preattestation` and `attestation_with_dal` as generic operation kinds, so the policy of its
// own AWS KMS setup guide (`allowed_kinds: [transaction, endorsement, …]`) fails at start. We
// accept those three (they can be contents of a 0x03 batch, and the decoder names them so) and
// map the evidence names to the kind the decoder reports, so that guide and older files load.
//
// Pure; thread-safe (the name lists are built once, on first use).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace signatory::config {

// Today's name of a request kind (unknown names are returned unchanged).
std::string normalize_request_kind(std::string_view name);
// Today's name of a generic operation kind (unknown names are returned unchanged).
std::string normalize_operation_kind(std::string_view name);
// True when the name is a legacy spelling that the two functions above rewrite.
bool is_legacy_request_kind(std::string_view name);
bool is_legacy_operation_kind(std::string_view name);

// Every (normalised) name `allow.generic` / `allowed_kinds` accepts, sorted: the generic
// operation kinds of `list-ops`, `ballot:yay|nay|pass`, and `attestation`,
// `attestation_with_dal`, `preattestation`.
const std::vector<std::string>& policy_operation_names();
bool is_policy_operation_name(std::string_view name);

}  // namespace signatory::config
