// Parser of the AWS shared configuration files (see profile_file.h).
#include "aws/profile_file.h"

#include <fstream>
#include <sstream>

namespace signatory::aws {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

ProfileFile parse_profile_file(std::string_view text, ProfileFileKind kind) {
  ProfileFile out;
  std::string section;
  bool in_section = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    bool indented = !raw.empty() && (raw.front() == ' ' || raw.front() == '\t');
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      std::size_t close = line.find(']');
      if (close == std::string_view::npos) {
        in_section = false;
        continue;
      }
      std::string_view name = trim(line.substr(1, close - 1));
      if (kind == ProfileFileKind::Config && name != "default") {
        if (name.substr(0, 8) == "profile " || name.substr(0, 8) == "profile\t") {
          name = trim(name.substr(8));
        } else {
          in_section = false;  // [sso-session x], [services x]: not a profile
          continue;
        }
      }
      section = std::string(name);
      in_section = true;
      out[section];
      continue;
    }
    if (!in_section || indented) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    out[section][key] = value;
  }
  return out;
}

std::optional<ProfileFile> read_profile_file(const std::string& path, ProfileFileKind kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return parse_profile_file(text.str(), kind);
}

}  // namespace signatory::aws
