// Keeping secret keys out of messages (see secret_text.h).
#include "common/secret_text.h"

#include <array>

namespace signatory {
namespace {

constexpr std::array<std::string_view, 8> kSecretPrefixes{"edsk",  "spsk",  "p2sk",  "BLsk",
                                                          "edesk", "spesk", "p2esk", "BLesk"};
constexpr std::array<std::string_view, 2> kSecretForms{"unencrypted:", "encrypted:"};
// A word of this length or more shaped as `..sk…` or `..esk…` is treated as a secret key (a
// base58 secret key is 54 characters or more; shorter words like `task` or `desk` are not).
constexpr std::size_t kShapedMinLength = 20;

bool is_word_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool word_is_secret(std::string_view word) {
  for (std::string_view p : kSecretPrefixes)
    if (starts_with(word, p) && word.size() > p.size()) return true;
  if (word.size() < kShapedMinLength) return false;
  std::string_view rest = word.substr(2);
  return starts_with(rest, "sk") || starts_with(rest, "esk");
}

// The length of the `encrypted:`/`unencrypted:` form at the start of `text`, or 0.
std::size_t form_at(std::string_view text) {
  for (std::string_view f : kSecretForms)
    if (starts_with(text, f)) return f.size();
  return 0;
}

}  // namespace

bool looks_like_secret_key(std::string_view word) {
  if (std::size_t form = form_at(word)) return word.size() > form;
  return word_is_secret(word.substr(0, word.find_first_of(" \t\r\n")));
}

std::string redact_secret_keys(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  bool after_form = false;  // the word follows `encrypted:` / `unencrypted:`
  while (i < text.size()) {
    if (!is_word_char(text[i])) {
      out += text[i++];
      continue;
    }
    if (!after_form) {
      if (std::size_t form = form_at(text.substr(i))) {
        out.append(text.substr(i, form));
        i += form;
        after_form = i < text.size() && is_word_char(text[i]);
        continue;
      }
    }
    std::size_t end = i;
    while (end < text.size() && is_word_char(text[end])) ++end;
    std::string_view word = text.substr(i, end - i);
    if (after_form || word_is_secret(word))
      out += kRedactedSecretKey;
    else
      out += word;
    after_form = false;
    i = end;
  }
  return out;
}

}  // namespace signatory
