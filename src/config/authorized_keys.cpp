// Reading and flattening of authorized public key lists (see authorized_keys.h).
#include "config/authorized_keys.h"

#include <map>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/secret_text.h"

namespace signatory::config::detail {

namespace {

constexpr int kMaxDepth = 16;
constexpr std::size_t kMaxVisits = 10000;

struct Flattening {
  std::vector<tezos::PublicKey> keys;
  std::size_t visits = 0;
  std::map<std::string, tezos::PublicKey> parsed;  // aliases repeat the same text
};

void flatten(const YamlField& field, Flattening& state, int depth) {
  if (++state.visits > kMaxVisits) field.fail("too many authorized keys (aliases expand too far)");
  if (depth > kMaxDepth) field.fail("authorized keys nested too deeply (or an alias cycle)");
  if (field.is_sequence()) {
    for (const YamlField& item : field.items()) flatten(item, state, depth + 1);
    return;
  }
  if (!field.is_scalar()) {
    field.fail("expected a public key or a list of public keys, got " + field.kind_name());
  }
  const std::string& text = field.node().Scalar();
  if (looks_like_secret_key(text)) field.fail("a secret key is not a public key (value not shown)");
  auto known = state.parsed.find(text);
  if (known == state.parsed.end()) {
    try {
      known = state.parsed.emplace(text, tezos::PublicKey::parse(text)).first;
    } catch (const Error& e) {
      field.fail("invalid public key `" + text + "': " + e.what());
    }
  }
  state.keys.push_back(known->second);
}

}  // namespace

std::vector<tezos::PublicKey> read_authorized_keys(const YamlField& field) {
  if (field.is_null()) return {};
  Flattening state;
  flatten(field, state, 0);
  return std::move(state.keys);
}

}  // namespace signatory::config::detail
