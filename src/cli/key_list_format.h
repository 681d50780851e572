// The text `signatory-cli list` prints (and the server logs at start), in three layouts:
//   legacy  — the setup guide's layout, values at column 21 (default);
//   current — Signatory v1.4's layout, values at column 28 (Signatory's cmd/commands/list.go);
//   json    — a JSON array, one object per key.
// Pure functions of the key entries; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "signer/signer.h"

namespace signatory::cli {

enum class ListFormat { Legacy, Current, Json };

// Throws Error(BadRequest) for a name other than legacy|current|json.
ListFormat parse_list_format(const std::string& name);
std::string format_key_list(const std::vector<signer::KeyEntry>& keys, ListFormat format);

}  // namespace signatory::cli
