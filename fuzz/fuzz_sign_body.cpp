// libFuzzer target: the body of POST /keys/{pkh} (server::parse_sign_body), a JSON string of
// hex. Rejections must be signatory::Error. A body it accepts must be a JSON string for an
// independent JSON parser (nlohmann, the slow path's parser, checked against the fast path
// too) whose hex decodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "fuzz_support.h"
#include "server/signer_api.h"

using namespace signatory;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::text_of(data, size);
  try {
    const Bytes message = server::parse_sign_body(body);
    const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
    fuzz::fuzz_check(!doc.is_discarded() && doc.is_string(), "accepted a body that is not a JSON string");
    fuzz::fuzz_check(from_hex(doc.get<std::string>()) == message, "body decodes to other bytes than its JSON string");
  } catch (const Error&) {
  }
  return 0;
}
