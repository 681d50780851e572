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
#include "test_support.h"

namespace signatory::testing {


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
