// Internal to the HTTP server: what the listener and its connections share, and the entry point
// that turns an accepted socket into a served connection. One connection serves its requests
// one after the other on its own strand (see http_server.h for the protocol behaviour).
//
// Thread-safety: HttpServerShared is shared by the listener and every connection across io
// threads; its counters are atomic and its connection table is guarded by `mutex`.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "server/http_server.h"

namespace signatory::server::detail {

// The part of a connection the server may reach from another thread.
class HttpConnectionBase {
 public:
  virtual ~HttpConnectionBase() = default;
  // Posts to the connection's strand: close now if idle between requests, otherwise answer
  // the current request with `Connection: close` and then close.
  virtual void notify_stopping() = 0;
  // Posts to the connection's strand: close now, whatever it is doing.
  virtual void notify_close() = 0;
};

struct HttpServerShared {
  HttpServerShared(HttpServerOptions o, HttpHandler h)
      : options(std::move(o)), handler(std::move(h)) {}

  const HttpServerOptions options;
  const HttpHandler handler;
  std::shared_ptr<boost::asio::ssl::context> tls;  // set by start() when options.tls

  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active{0};  // connections holding a slot (see acquire/release)

  std::mutex mutex;
  std::condition_variable idle;
  std::unordered_map<const HttpConnectionBase*, std::weak_ptr<HttpConnectionBase>> connections;

  // Takes a connection slot; false (and nothing taken) when max_connections are in use.
  bool acquire_slot();
  void release_slot();
  void add(const std::shared_ptr<HttpConnectionBase>& connection);
  void remove(const HttpConnectionBase* connection);
  // Calls notify_stopping() (or notify_close() when `force`) on every connection.
  void notify_all(bool force);
};

// Serves `socket`, which already holds a slot (acquire_slot()) and whose executor is a strand
// of its own. Returns at once; the connection lives as long as it has work pending.
void serve_http_connection(boost::asio::ip::tcp::socket socket,
                           std::shared_ptr<HttpServerShared> shared);

}  // namespace signatory::server::detail
