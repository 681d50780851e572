// `$VAR` / `${VAR}` expansion with the rules of Go's os.Expand (see env_expand.h).
#include "config/env_expand.h"

#include <cstdlib>

namespace signatory::config {

namespace {

bool is_special(char c) {
  switch (c) {
    case '*':
    case '#':
    case '$':
    case '@':
    case '!':
    case '?':
    case '-':
      return true;
    default:
      return c >= '0' && c <= '9';
  }
}

bool is_name_char(char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Go's getShellName: the variable name at the start of `s` (which follows a `$`) and how many
// bytes it spans. An empty name with a non-zero width is bad syntax whose bytes are dropped.
std::pair<std::string_view, std::size_t> shell_name(std::string_view s) {
  if (s[0] == '{') {
    if (s.size() > 2 && is_special(s[1]) && s[2] == '}') return {s.substr(1, 1), 3};
    for (std::size_t i = 1; i < s.size(); ++i) {
      if (s[i] == '}') {
        if (i == 1) return {{}, 2};  // "${}"
        return {s.substr(1, i - 1), i + 1};
      }
    }
    return {{}, 1};  // "${" without its closing brace
  }
  if (is_special(s[0])) return {s.substr(0, 1), 1};
  std::size_t i = 0;
  while (i < s.size() && is_name_char(s[i])) ++i;
  return {s.substr(0, i), i};
}

}  // namespace

std::string expand_env(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;  // text[copied, j) not yet copied
  for (std::size_t j = 0; j < text.size(); ++j) {
    if (text[j] != '$' || j + 1 >= text.size()) continue;
    out.append(text.substr(copied, j - copied));
    auto [name, width] = shell_name(text.substr(j + 1));
    if (name.empty() && width == 0) {
      out.push_back('$');  // "$" not followed by a name: kept
    } else if (!name.empty()) {
      if (const char* value = std::getenv(std::string(name).c_str())) out.append(value);
    }
    j += width;
    copied = j + 1;
  }
  if (copied < text.size()) out.append(text.substr(copied));
  return out;
}

}  // namespace signatory::config
