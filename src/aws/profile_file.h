// The AWS shared configuration files (`~/.aws/credentials`, `~/.aws/config`): INI sections
// `[name]` (credentials file) or `[profile name]` / `[default]` (config file) holding
// `key = value` lines; `#` and `;` start comment lines; indented lines (sub-blocks such as
// `s3 =`) are ignored. Only what the signer needs is read: static keys and the region.
// Pure parsing; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace signatory::aws {

// section name → key → value. In the config file a section `[profile x]` is stored as `x`.
using ProfileFile = std::map<std::string, std::map<std::string, std::string>>;

enum class ProfileFileKind { Credentials, Config };

ProfileFile parse_profile_file(std::string_view text, ProfileFileKind kind);
// Reads and parses `path`; nullopt when the file does not exist or cannot be read.
std::optional<ProfileFile> read_profile_file(const std::string& path, ProfileFileKind kind);

}  // namespace signatory::aws
