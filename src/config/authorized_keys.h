// `<AuthorizedKeys>` of the config (`server.authorized_keys`, `tezos.<pkh>.authorized_keys`,
// `policy_hook.authorized_keys`): one public key (edpk/sppk/p2pk/BLpk) or a sequence of them,
// where nested sequences are flattened so that YAML aliases of lists (`- *authorized_key`)
// work. Internal to the config module; not thread-safe (loading only).
#pragma once

#include <vector>

#include "config/yaml_field.h"
#include "tezos/keys.h"

namespace signatory::config::detail {

// Null gives an empty list. Throws Error(BadRequest) with file:line for anything that is not a
// public key. Nesting is limited in depth and size (aliases can make a small file describe a huge
// or cyclic tree).
std::vector<tezos::PublicKey> read_authorized_keys(const YamlField& field);

}  // namespace signatory::config::detail
