// libFuzzer target: HTTP request-target splitting and %-decoding (server/http_target.h), run on
// every request line before routing. The input is split at its first NUL byte into two targets
// A and B (B = A when there is none): parsing B into containers that still hold A's result must
// give what parsing B into fresh ones gives (the containers are reused per connection). Also
// checks that %-decoding inverts %-encoding of every byte of the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "server/http_target.h"

using namespace signatory;

namespace {

std::string percent_encode_all(std::string_view in) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  const std::size_t nul = text.find('\0');
  const std::string_view a = text.substr(0, nul);
  const std::string_view b = nul == std::string_view::npos ? a : text.substr(nul + 1);

  std::string path;
  server::HttpQuery query;
  (void)server::parse_request_target(a, path, query);
  const bool reused_ok = server::parse_request_target(b, path, query);

  std::string fresh_path;
  server::HttpQuery fresh_query;
  const bool fresh_ok = server::parse_request_target(b, fresh_path, fresh_query);
  fuzz::fuzz_check(reused_ok == fresh_ok, "verdict depends on the reused containers");
  if (fresh_ok) {
    fuzz::fuzz_check(path == fresh_path, "path depends on the reused containers");
    fuzz::fuzz_check(query == fresh_query, "query depends on the reused containers");
    const auto pairs_at_most = static_cast<std::size_t>(std::count(b.begin(), b.end(), '&')) + 1;
    fuzz::fuzz_check(fresh_query.size() <= pairs_at_most, "more query pairs than '&'-separated parts");
  }

  std::string decoded;
  fuzz::fuzz_check(server::percent_decode(percent_encode_all(text), true, decoded) && decoded == text,
                   "percent_decode does not invert percent-encoding");
  return 0;
}
