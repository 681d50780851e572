// Loading of the shared JSON test vectors (testdata/tezos/*.json) for the crypto unit tests,
// read at run time from SIGNATORY_TESTDATA. Each file is parsed once per process.
#pragma once

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "common/bytes.h"
#include "tezos/base58.h"

namespace signatory::testing {

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

inline Bytes hex_field(const nlohmann::json& rec, const char* field) {
  return from_hex(rec.at(field).get<std::string>());
}

// Every key record of keys.json (keys, edge cases, Octez references, HD keys).
inline std::vector<nlohmann::json> all_key_records() {
  std::vector<nlohmann::json> out;
  const auto& keys = tezos_vectors("keys.json");
  for (const char* group : {"keys", "edge_case_keys", "octez_reference_keys", "hd_keys"})
    for (const auto& rec : keys.at(group)) out.push_back(rec);
  return out;
}

}  // namespace signatory::testing
