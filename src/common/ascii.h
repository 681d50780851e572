// ASCII case-insensitive comparison, for protocol tokens whose case does not matter (HTTP
// header names, `Bearer`, `100-continue`). Only A–Z fold; other bytes compare as they are.
// Pure functions; safe from any thread.
#pragma once

#include <string_view>

namespace signatory {

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

inline bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace signatory
