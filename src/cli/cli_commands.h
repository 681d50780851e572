// The commands of `signatory-cli` (Signatory's cmd/signatory-cli): list, import, generate, list-ops,
// list-requests, version. Each prints to stdout and returns the exit code; errors are thrown
// as Error and printed by main as `Error: <message>`. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "cli/app_context.h"
#include "cli/key_list_format.h"

namespace signatory::cli {

int list_keys(const GlobalFlags& flags, ListFormat format);
int import_keys(const GlobalFlags& flags, const std::string& vault_name,
                std::vector<std::string> secret_keys, const std::string& options,
                bool password_given, const std::string& password);
int generate_keys(const GlobalFlags& flags, const std::string& vault_name, const std::string& type,
                  int count, ListFormat format);
int list_requests();
int list_ops();
std::string version_text();

// `key:value,key:value` with quotes and backslash escapes (Signatory's ParseMap).
std::vector<std::pair<std::string, std::string>> parse_options_map(const std::string& text);

}  // namespace signatory::cli
