// Internal to the HTTP server: what the listener and its connections share, and the entry point
// that turns an accepted socket into a served connection. One connection serves its requests
// one after the other on its own strand (see http_server.h for the protocol behaviour); its
// pieces are in this folder: the request parser, the watchdog (timeouts), the write fast path,
// the lingering close, and the registry of connection slots.
//
// Thread-safety: HttpServerShared is shared by the listener and every connection across io
// threads; `stopping` is atomic and the registry is thread-safe; the rest is immutable once
// the server started.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "server/http/connection_registry.h"
#include "server/http_server.h"

namespace signatory::server::detail {

struct HttpServerShared {
  HttpServerShared(HttpServerOptions o, HttpHandler h)
      : options(std::move(o)), handler(std::move(h)), registry(options.max_connections) {}

  const HttpServerOptions options;
  const HttpHandler handler;
  std::shared_ptr<boost::asio::ssl::context> tls;  // set by start() when options.tls
  std::atomic<bool> stopping{false};
  ConnectionRegistry registry;
};

// Serves `socket`, which already holds a slot (registry.acquire_slot()) and whose executor is
// a strand of its own. Returns at once; the connection lives as long as it has work pending.
void serve_http_connection(boost::asio::ip::tcp::socket socket,
                           std::shared_ptr<HttpServerShared> shared);

}  // namespace signatory::server::detail
