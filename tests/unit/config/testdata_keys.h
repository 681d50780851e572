// Test helper: real keys from the test vectors (SIGNATORY_TESTDATA/tezos/keys.json), looked
// up by id ("ed25519_0", "secp256k1_1", "bls12_381_0", …), and the chain ids of base58.json.
// Used by the config and policy unit tests. Not thread-safe (tests are single-threaded).
#pragma once

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace signatory::testdata {

inline const nlohmann::json& tezos_vectors(const std::string& file) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(file);
  if (it == cache.end()) {
    std::ifstream in(std::string(SIGNATORY_TESTDATA) + "/tezos/" + file);
    if (!in) throw std::runtime_error("cannot open test vectors " + file);
    it = cache.emplace(file, nlohmann::json::parse(in)).first;
  }
  return it->second;
}

struct TestKey {
  std::string public_key;       // edpk…/sppk…/p2pk…/BLpk…
  std::string public_key_hash;  // tz1…/tz2…/tz3…/tz4…
};

inline TestKey test_key(const std::string& id) {
  for (const auto& k : tezos_vectors("keys.json").at("keys")) {
    if (k.at("id") == id) return {k.at("public_key"), k.at("public_key_hash")};
  }
  throw std::runtime_error("no key " + id + " in keys.json");
}

// Chain id from base58.json's real-world examples by its note ("Tezos mainnet chain id", …).
inline std::string chain_id(const std::string& note_prefix) {
  for (const auto& e : tezos_vectors("base58.json").at("real_world_examples")) {
    if (e.at("name") == "Net" && e.at("note").get<std::string>().rfind(note_prefix, 0) == 0) {
      return e.at("value");
    }
  }
  throw std::runtime_error("no chain id " + note_prefix + " in base58.json");
}

// Replaces every `{name}` in `text` by its value.
inline std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string placeholder = "{" + name + "}";
    for (auto pos = text.find(placeholder); pos != std::string::npos;
         pos = text.find(placeholder, pos + value.size())) {
      text.replace(pos, placeholder.size(), value);
    }
  }
  return text;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace signatory::testdata
