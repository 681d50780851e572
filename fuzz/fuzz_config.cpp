// libFuzzer target: the YAML config loader (config::parse_config) on arbitrary text, as an
// operator's file or a hostile one could be. Rejections must be signatory::Error (yaml-cpp's
// own exceptions included, which the loader must translate); nothing is written to disk.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "config/config.h"
#include "fuzz_support.h"

using namespace signatory;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::text_of(data, size));
  try {
    const config::Config cfg = config::parse_config(text, "fuzz.yaml");
    // A policy found by key hash must be the one listed for it.
    for (const auto& [pkh, policy] : cfg.policies) {
      fuzz::fuzz_check(cfg.policy_for(pkh) != nullptr, "listed key has no policy");
      (void)policy;
    }
  } catch (const Error&) {
  }
  return 0;
}
