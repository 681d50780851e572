// The listening side of the HTTP server: address resolution, bind/listen, the accept loop, the
// connection limit and graceful shutdown (see http_server.h).
#include "server/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "common/error.h"
#include "common/log.h"
#include "config/listen_address.h"
#include "server/http/connection.h"
#include "server/http_error_body.h"
#include "server/http_response_head.h"

namespace signatory::server {
namespace detail {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string endpoint_text(const tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

[[noreturn]] void cannot_listen(const std::string& address, const std::string& reason) {
  throw internal_error("cannot listen on " + address + ": " + reason);
}

}  // namespace

// Owns the acceptor; lives as long as an accept is pending. Guarded by `mutex` because
// stop_accepting() may run on any thread while the accept loop runs on io threads.
class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  HttpListener(net::io_context& io, std::shared_ptr<HttpServerShared> shared)
      : io_(io), shared_(std::move(shared)), acceptor_(io), retry_(io) {}

  // Opens, binds and listens; throws Error(Internal) (see HttpServer::start).
  void open(const std::string& address) {
    config::ListenAddress parsed =
        config::parse_listen_address(address);  // Error(BadRequest) when malformed
    boost::system::error_code ec;
    if (parsed.host.empty()) {
      // All interfaces: dual-stack IPv6 when the system has it, IPv4 otherwise.
      if (try_listen(tcp::endpoint(net::ip::address_v6::any(), parsed.port), true, ec)) return;
      if (try_listen(tcp::endpoint(net::ip::address_v4::any(), parsed.port), false, ec)) return;
      cannot_listen(address, ec.message());
    }
    auto ip = net::ip::make_address(parsed.host, ec);
    if (!ec) {
      if (!try_listen(tcp::endpoint(ip, parsed.port), false, ec))
        cannot_listen(address, ec.message());
      return;
    }
    // A host name: listen on its first address, IPv4 preferred (as Go does for "localhost").
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(parsed.host, std::to_string(parsed.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) cannot_listen(address, ec.message());
    std::optional<tcp::endpoint> chosen;
    for (const auto& entry : results) {
      if (!chosen || (entry.endpoint().address().is_v4() && !chosen->address().is_v4())) {
        chosen = entry.endpoint();
      }
    }
    if (!chosen) cannot_listen(address, "host name has no address");
    if (!try_listen(*chosen, false, ec)) cannot_listen(address, ec.message());
  }

  tcp::endpoint local_endpoint() const { return local_; }

  void accept() {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    acceptor_.async_accept(
        net::make_strand(io_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void close() {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    retry_.cancel();
  }

 private:
  bool try_listen(const tcp::endpoint& endpoint, bool dual_stack, boost::system::error_code& ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return false;
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && dual_stack) acceptor_.set_option(net::ip::v6_only(false), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) local_ = acceptor_.local_endpoint(ec);
    if (ec) {
      acceptor_.close(ignored);
      return false;
    }
    return true;
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors and the like: wait a little rather than spin.
      log::warn("HTTP server cannot accept a connection", {{"error", ec.message()}});
      std::lock_guard lock(mutex_);
      if (closed_) return;
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](boost::system::error_code e) {
        if (!e) self->accept();
      });
      return;
    }
    accept();
    if (shared_->stopping.load()) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    if (!shared_->registry.acquire_slot()) {
      refuse(socket);
      return;
    }
    serve_http_connection(std::move(socket), shared_);
  }

  // Beyond max_connections: a best-effort 503 written without blocking, then close.
  void refuse(tcp::socket& socket) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_.load() > std::chrono::seconds(10)) {
      last_refusal_log_ = now;
      log::warn("HTTP server refuses connections: too many open connections",
                {{"max_connections", std::to_string(shared_->options.max_connections)}});
    }
    HttpResponse response;
    response.status = 503;
    response.body = http_error_body("too many open connections: limit is " +
                                    std::to_string(shared_->options.max_connections));
    std::string text;
    write_response_head(text, response, response.body.size(), ConnectionHeader::Close);
    text += response.body;
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (!ec) socket.write_some(net::buffer(text), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  net::io_context& io_;
  std::shared_ptr<HttpServerShared> shared_;
  std::mutex mutex_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  tcp::endpoint local_;
  bool closed_ = false;
  std::atomic<std::chrono::steady_clock::time_point> last_refusal_log_{};
};

}  // namespace detail

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler)
    : io_(io),
      shared_(std::make_shared<detail::HttpServerShared>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  stop_accepting();
  shared_->registry.notify_all(true);
}

void HttpServer::start() {
  if (listener_)
    throw internal_error("HTTP server on " + shared_->options.address + " already started");
  if (shared_->options.tls) shared_->tls = make_tls_server_context(*shared_->options.tls);
  auto listener = std::make_shared<detail::HttpListener>(io_, shared_);
  listener->open(shared_->options.address);
  listener_ = listener;
  listener_->accept();
}

unsigned short HttpServer::port() const {
  return listener_ ? listener_->local_endpoint().port() : 0;
}

std::string HttpServer::listen_address() const {
  return listener_ ? detail::endpoint_text(listener_->local_endpoint()) : std::string();
}

void HttpServer::stop_accepting() {
  shared_->stopping.store(true);
  if (listener_) listener_->close();
  shared_->registry.notify_all(false);
}

bool HttpServer::wait_idle(std::chrono::milliseconds timeout) {
  return shared_->registry.wait_idle(timeout);
}

std::size_t HttpServer::active_connections() const {
  return shared_->registry.active();
}

}  // namespace signatory::server
