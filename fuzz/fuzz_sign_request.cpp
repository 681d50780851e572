// libFuzzer target: the sign-request decoder (tezos::decode_sign_request), the first parser a
// client's bytes reach. The first input byte picks the signing version (0, 1 or 2), the rest
// is the request, magic byte included. Rejections must be signatory::Error; an accepted
// consensus request must carry its chain id, and every request kind must name itself back.
#include <cstddef>
#include <cstdint>

#include "common/error.h"
#include "fuzz_support.h"
#include "tezos/sign_request.h"

using namespace signatory;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int version = data[0] % 3;
  try {
    const tezos::SignRequest r = tezos::decode_sign_request(fuzz::bytes_of(data + 1, size - 1), version);
    fuzz::fuzz_check(tezos::parse_request_kind(tezos::request_kind_name(r.kind)) == r.kind,
                     "request kind does not name itself back");
    if (tezos::is_consensus(r.kind)) {
      fuzz::fuzz_check(r.chain_id.has_value(), "consensus request without a chain id");
      fuzz::fuzz_check(tezos::ChainId::parse(r.chain_id->to_base58()) == *r.chain_id,
                       "chain id does not round-trip through base58");
    }
    for (const auto& op : r.operations) fuzz::fuzz_check(!op.empty(), "empty operation kind name");
  } catch (const Error&) {
  }
  return 0;
}
