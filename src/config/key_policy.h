// Preparation of one key's policy (`tezos.<pkh>:`) from the config file, as Signatory's PreparePolicy (pkg/signatory/signatory.go): the
// default policy for a null value, the current `allow:` syntax, the legacy
// `allowed_operations` / `allowed_kinds` syntax (kept as written for the legacy `list` layout,
// with a deprecation warning showing the equivalent `allow:` block), name normalisation (then
// sorted, repeats removed) and validation with file:line errors. Internal to the config module
// except the two helpers at the top. Pure functions; loading is single-threaded.
#pragma once

#include <string>

#include "config/config.h"
#include "config/yaml_field.h"

namespace signatory::config {

// The policy of `tezos.<pkh>:` with no value: requests [block preattestation attestation] (in
// that order, as Signatory keeps and prints it), no generic operation, no proof of possession.
KeyPolicy default_key_policy();

// The `allow:` block equivalent to `policy`, as YAML text ending with a newline.
std::string render_allow_block(const KeyPolicy& policy);

namespace detail {

// `value` is the node under `tezos.<pkh>` (its path "tezos.<pkh>"). `server` is the already
// loaded server section, used for warnings about client authentication.
KeyPolicy read_key_policy(const YamlField& value, const tezos::PublicKeyHash& pkh,
                          const ServerConfig& server);

}  // namespace detail
}  // namespace signatory::config
