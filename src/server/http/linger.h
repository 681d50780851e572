// Lingering close of a plain-TCP connection. After a response with `Connection: close`, what
// the client still sends is read and dropped for at most kLingerTime / kLingerBytes, so that
// the close does not turn into a reset that would destroy the response before the client read
// it (e.g. a 413 while the body is still coming). The connection shuts down its sending side,
// moves its deadline to now + kLingerTime, and drains.
// Not thread-safe: used on the connection's strand only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstddef>
#include <utility>

namespace signatory::server::detail {

constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr std::size_t kLingerReadSize = 16 * 1024;

// Reads and drops what arrives on `socket` into `buffer` until the end of the stream, an error
// (the watchdog closing the socket at kLingerTime ends it so) or more than kLingerBytes in
// all; then calls `done()` once. `done` keeps the connection alive and must check whether it
// was closed meanwhile.
template <class Done>
class Drain {
 public:
  Drain(boost::asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer, Done done)
      : socket_(socket), buffer_(buffer), done_(std::move(done)) {}

  void start() {
    auto buffers = buffer_.prepare(kLingerReadSize);
    socket_.async_read_some(buffers, std::move(*this));
  }

  void operator()(boost::system::error_code ec, std::size_t n) {
    drained_ += n;
    if (ec || drained_ > kLingerBytes) {
      done_();
      return;
    }
    start();
  }

 private:
  boost::asio::ip::tcp::socket& socket_;
  boost::beast::flat_buffer& buffer_;
  Done done_;
  std::size_t drained_ = 0;
};

template <class Done>
void drain(boost::asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer, Done done) {
  Drain<Done>(socket, buffer, std::move(done)).start();
}

}  // namespace signatory::server::detail
