// A small, fast HTTP/1.1 server (Boost.Beast's parser over Asio) that hands every request to one
// synchronous HttpHandler. It owns the listening socket and the connections; the caller owns
// the io_context and runs io.run() on as many threads as it wants handlers to run in parallel
// (a handler may block, e.g. on a remote KMS call, and then holds one of those threads).
//
// Per connection: keep-alive; requests are read, handled and answered strictly one after the
// other (pipelined requests wait in the buffer, so answers keep their order); TCP_NODELAY.
// Limits, each answered with the Tezos JSON error body then a close:
//   - request body larger than `body_limit`        → 413 "request body too large: limit is N bytes"
//   - request line + headers larger than `header_limit` → 431
//   - malformed HTTP or request-target             → 400
// A handler that throws signatory::Error answers that status with the error's message in the
// Tezos JSON error body; any other exception answers 500 with its message and is logged.
// Timeouts: a request must arrive whole within `read_timeout` of its first byte (and a new
// connection must send it within `read_timeout`), a keep-alive connection may wait
// `idle_timeout` for its next request, and a response must be written within `write_timeout`;
// past them the connection is closed without an answer. Beyond `max_connections` open
// connections a new one is answered 503 and closed. Expect: 100-continue is honoured. With
// `tls`, every connection is TLS (≥ 1.2); with a client CA, clients must present a certificate
// chaining to it and the handler sees its subject and fingerprint.
//
// Shutdown: stop_accepting() closes the listening socket and the idle keep-alive connections;
// requests being read or handled finish and are answered with `Connection: close`. Then
// wait_idle() until every connection is gone, then io.stop(). Destroying the server does
// stop_accepting() and closes the remaining connections; destroy it before the io_context, and
// keep what the handler uses alive while the io_context still runs connections of this server.
//
// Thread-safety: start() once from one thread; stop_accepting(), wait_idle(), port(),
// listen_address() and active_connections() from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "server/http_tls.h"
#include "server/http_types.h"

namespace boost::asio {
class io_context;
}

namespace signatory::server {

struct HttpServerOptions {
  // "host:port": ":6732" (all interfaces, dual-stack when IPv6 is available), "127.0.0.1:6732",
  // "[::1]:6732", "localhost:6732"; port 0 picks an ephemeral port (see port()).
  std::string address;
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 8 * 1024;
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds write_timeout{10000};
  std::size_t max_connections = 1024;
  std::optional<TlsFiles> tls;
};

namespace detail {
struct HttpServerShared;
class HttpListener;
}  // namespace detail

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts accepting. Throws internal_error("cannot listen on <address>: <why>")
  // (port in use, unknown host, …), Error(BadRequest) for a malformed address (see
  // config/listen_address.h) or unusable TLS files.
  void start();

  // The bound port (the ephemeral one when the address asked for port 0); 0 before start().
  unsigned short port() const;
  // The bound address as "ip:port" or "[ipv6]:port", e.g. "127.0.0.1:41234", "[::]:6732".
  std::string listen_address() const;

  // Stops accepting and closes idle connections; in-flight requests finish (see above).
  // Idempotent.
  void stop_accepting();
  // Blocks until no connection is open or `timeout` passes; true when none is left. Needs the
  // io_context to be running on other threads.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Connections accepted and not yet closing (a closing connection only drains what the
  // client still sends, at most one second, and no longer counts).
  std::size_t active_connections() const;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<detail::HttpServerShared> shared_;
  std::shared_ptr<detail::HttpListener> listener_;
};

}  // namespace signatory::server
