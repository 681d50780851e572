// Keeping secret keys out of messages. A secret key written by mistake where the config expects
// something else (a pkh as a `tezos:` key, a public key in `authorized_keys`, a vault name, …)
// must not be echoed by the error that refuses it, to stderr and the logs. Every config error
// goes through redact_secret_keys() (config/yaml_field.cpp, common/config_node.cpp,
// config/config.cpp), so a value quoted anywhere in one is covered.
//
// What counts as a secret key: a base58 word with a secret-key prefix (`edsk`, `spsk`, `p2sk`,
// `BLsk`, the encrypted `edesk`, `spesk`, `p2esk`, `BLesk`), a longer word shaped like one
// (`*sk…`, `*esk…`: two characters then `sk` or `esk`, at least 20 characters, e.g. a future
// curve's prefix or a mistyped one), and whatever follows `encrypted:` or `unencrypted:` (the
// octez secret_keys value forms).
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace signatory {

// What a redacted secret key becomes in a message.
inline constexpr std::string_view kRedactedSecretKey = "<secret key, not shown>";

// True when `word` (one value, e.g. a scalar of the config) is or begins like a secret key.
bool looks_like_secret_key(std::string_view word);

// `text` with every word that looks like a secret key replaced by kRedactedSecretKey (words are
// runs of ASCII letters and digits; the rest of the text is kept as it is).
std::string redact_secret_keys(std::string_view text);

}  // namespace signatory
