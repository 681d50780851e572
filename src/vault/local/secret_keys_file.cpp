// Writing octez secret_keys files (see secret_keys_file.h).
#include "vault/local/secret_keys_file.h"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error.h"

namespace signatory::vault {
namespace {

// Appends `s` as a JSON string. Key values (base58 after a prefix) are plain printable ASCII
// and are copied as they are, so that no unwiped copy of a secret is made; anything else
// (names, unusual values) is escaped by nlohmann::json, as the previous writer did.
void append_json_string(std::string& out, std::string_view s) {
  const bool plain = std::all_of(
      s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (plain) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
  } else {
    out += nlohmann::json(std::string(s)).dump();
  }
}

}  // namespace

void write_secret_keys_file(FileEnv& env, const std::string& path,
                            const std::vector<SecretKeyEntry>& entries) {
  // Reserved up front so that the text holding secrets is never reallocated (a reallocation
  // would leave an unwiped copy behind): escaping takes at most 6 bytes per character.
  std::size_t room = 8;
  for (const auto& e : entries) room += 64 + 6 * (e.name.size() + e.value.size());
  std::string body;
  body.reserve(room);
  if (entries.empty()) {
    body = "[]\n";
  } else {
    body += "[";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      body += i == 0 ? "\n  {\n    \"name\": " : ",\n  {\n    \"name\": ";
      append_json_string(body, entries[i].name);
      body += ",\n    \"value\": ";
      append_json_string(body, entries[i].value.as_string());
      body += "\n  }";
    }
    body += "\n]\n";
  }
  const ReplaceResult r = env.replace_file(path, as_view(body), 0600);
  sodium_memzero(body.data(), body.size());
  if (!r.ok()) throw internal_error("cannot write " + path + ": " + r.status.message);
}

}  // namespace signatory::vault
