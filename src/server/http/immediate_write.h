// The write fast path of plain-TCP connections. A response nearly always fits in the socket's
// send buffer: sending it at once with one non-blocking gathered write, and going on with the
// next request, saves an async_write completed on another turn of the io threads (a scheduler
// hand-off per request). Only what the kernel does not take now is left to async_write.
// Stateless; the socket must be non-blocking and used from its connection's strand.
#pragma once

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace signatory::server::detail {

enum class ImmediateWrite {
  Done,     // everything was sent
  Partial,  // `buffers` now start after what was sent (maybe nothing): send the rest async
  Failed,   // the connection is broken: close it
};

ImmediateWrite write_now(boost::asio::ip::tcp::socket& socket,
                         std::array<boost::asio::const_buffer, 2>& buffers);

}  // namespace signatory::server::detail
