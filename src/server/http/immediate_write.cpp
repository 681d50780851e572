// One non-blocking gathered write (see immediate_write.h).
#include "server/http/immediate_write.h"

#include <algorithm>

namespace signatory::server::detail {

namespace net = boost::asio;

ImmediateWrite write_now(net::ip::tcp::socket& socket, std::array<net::const_buffer, 2>& buffers) {
  boost::system::error_code ec;
  std::size_t sent = socket.write_some(buffers, ec);
  if (ec && ec != net::error::would_block && ec != net::error::try_again)
    return ImmediateWrite::Failed;
  if (ec) sent = 0;
  if (sent == buffers[0].size() + buffers[1].size()) return ImmediateWrite::Done;
  for (auto& b : buffers) {  // skip what was sent
    const std::size_t k = std::min(sent, b.size());
    b += k;
    sent -= k;
  }
  return ImmediateWrite::Partial;
}

}  // namespace signatory::server::detail
