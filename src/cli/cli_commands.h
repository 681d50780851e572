// The commands of `signatory-cli` (Signatory's cmd/signatory-cli): list, import, generate, list-ops,
// list-requests, version. Each prints to stdout and returns the exit code; errors are thrown
// as Error and printed by main as `Error: <message>`. Single-threaded.
//
// `import` takes Tezos secret keys (edsk…, spsk…, p2sk…, BLsk…, and their encrypted forms) as
// arguments or from a no-echo prompt, or the private keys of a PKCS#8 PEM file (`-f`,
// crypto/pkcs8.h; PEM text given as an argument is read the same way). Every key is read and
// checked before the first one is stored, so a bad key stores nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/app_context.h"
#include "cli/key_list_format.h"

namespace signatory::cli {

int list_keys(const GlobalFlags& flags, ListFormat format);
struct ImportRequest {
  std::string vault_name;
  std::vector<std::string> secret_keys;  // arguments (wiped after reading)
  std::string pem_file;                  // -f/--from
  std::string options;                   // -o name:<key name>
  std::optional<std::string> password;   // --password
};
int import_keys(const GlobalFlags& flags, ImportRequest request);

struct GenerateRequest {
  std::string vault_name;
  std::string type = "tz1";
  int count = 1;
  std::string options;  // -o name:<key name> (one key only)
  std::string format = "legacy";
};
int generate_keys(const GlobalFlags& flags, const GenerateRequest& request);
int list_requests();
int list_ops();
std::string version_text();
// The names under `vaults:` of the config, in config order (for shell completion).
std::vector<std::string> configured_vault_names(const GlobalFlags& flags);

// `key:value,key:value` with quotes and backslash escapes (Signatory's ParseMap).
std::vector<std::pair<std::string, std::string>> parse_options_map(const std::string& text);

}  // namespace signatory::cli
