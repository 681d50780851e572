// One HTTP connection: read → parse → handle → write, again and again, on the connection's
// strand (see connection.h and http_server.h).
//
// Cost per request in the steady state is kept low: the read buffer, the parsed request (method,
// target, path, headers, query, body strings) and the response head are reused from one request
// to the next; headers are parsed by a basic_parser that writes straight into the reused
// HttpRequest (request_parser.h); the response is sent with one gathered write of head and body,
// at once when the socket takes it (immediate_write.h); timeouts use one watchdog timer per
// connection that is re-armed only when a deadline moves earlier (watchdog.h).
#include "server/http/connection.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>

#include "common/error.h"
#include "common/log.h"
#include "server/error_status.h"
#include "server/http/immediate_write.h"
#include "server/http/linger.h"
#include "server/http/request_parser.h"
#include "server/http/watchdog.h"
#include "server/http_error_body.h"
#include "server/http_response_head.h"
#include "server/http_target.h"
#include "server/http_tls.h"

namespace signatory::server::detail {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadSize = 16 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string ip_text(const net::ip::address& address) {
  if (address.is_v6()) {
    auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
  }
  return address.to_string();
}

HttpResponse error_response(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body = http_error_body(message);
  return response;
}

template <class Stream>
class Connection final : public HttpConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

 public:
  template <class... Args>
  Connection(std::shared_ptr<HttpServerShared> shared, Args&&... stream_args)
      : shared_(std::move(shared)),
        stream_(std::forward<Args>(stream_args)...),
        watchdog_(stream_.get_executor()) {}

  ~Connection() override {
    release_slot();
    shared_->registry.remove(this);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->on_start(); });
  }

  void notify_stopping() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->phase_ == Phase::Idle) self->close();
    });
  }

  void notify_close() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

  // The watchdog's deadline passed (see watchdog.h).
  void on_deadline() {
    if (phase_ != Phase::Closing) {
      log::debug("Closing HTTP connection: timeout",
                 {{"client", request_.remote_address},
                  {"phase", phase_ == Phase::Idle      ? "idle"
                            : phase_ == Phase::Writing ? "writing"
                                                       : "reading"}});
    }
    close();
  }

 private:
  enum class Phase { Handshake, Idle, Reading, Handling, Writing, Closing, Closed };

  const HttpServerOptions& options() const { return shared_->options; }
  tcp::socket& socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }
  auto self() { return this->shared_from_this(); }
  void set_deadline(Clock::time_point deadline) { watchdog_.set_deadline(deadline, *this); }

  void on_start() {
    beast::error_code ec;
    socket().set_option(tcp::no_delay(true), ec);
    // Synchronous writes (write_response) must never block an io thread.
    if constexpr (!kTls) socket().non_blocking(true, ec);
    auto endpoint = socket().remote_endpoint(ec);
    if (ec) {  // the peer is already gone
      close();
      return;
    }
    request_.remote_address = ip_text(endpoint.address());
    shared_->registry.add(self());
    if constexpr (kTls) {
      phase_ = Phase::Handshake;
      set_deadline(Clock::now() + options().read_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = self()](beast::error_code e) { self->on_handshake(e); });
    } else {
      start_request();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec) {
      log::debug("TLS handshake failed",
                 {{"client", request_.remote_address}, {"error", ec.message()}});
      close();
      return;
    }
    if constexpr (kTls) {
      PeerCertificate peer = peer_certificate(stream_.native_handle());
      request_.client_cert_subject = std::move(peer.subject);
      request_.client_cert_fingerprint = std::move(peer.fingerprint);
      request_.client_cert_names = std::move(peer.names);
    }
    start_request();
  }

  // Prepares for the next request and parses what is buffered or waits for it.
  void start_request() {
    parser_.emplace(request_);
    parser_->header_limit(static_cast<std::uint32_t>(options().header_limit));
    parser_->body_limit(static_cast<std::uint64_t>(options().body_limit));
    parser_->eager(true);
    continue_sent_ = false;
    if (buffer_.size() > 0) {  // pipelined
      phase_ = Phase::Reading;
      set_deadline(Clock::now() + options().read_timeout);
      parse();
      return;
    }
    phase_ = Phase::Idle;
    if (shared_->stopping.load(std::memory_order_relaxed)) {
      close();
      return;
    }
    set_deadline(Clock::now() + (first_request_ ? options().read_timeout : options().idle_timeout));
    read();
  }

  void read() {
    stream_.async_read_some(
        buffer_.prepare(kReadSize),
        [self = self()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    if (phase_ == Phase::Closed) return;
    if (ec) {  // end of stream, reset, or closed by the watchdog
      close();
      return;
    }
    buffer_.commit(n);
    if (phase_ == Phase::Idle) {
      phase_ = Phase::Reading;
      set_deadline(Clock::now() + options().read_timeout);
    }
    parse();
  }

  void parse() {
    for (;;) {
      beast::error_code ec;
      std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) {
        reject(ec);
        return;
      }
      if (parser_->is_done()) {
        handle();
        return;
      }
      if (ec || buffer_.size() == 0 || used == 0) {  // needs more bytes
        if (parser_->is_header_done() && parser_->expects_continue() && !continue_sent_ &&
            request_.version == 11) {
          send_continue();
        } else {
          read();
        }
        return;
      }
    }
  }

  void send_continue() {
    continue_sent_ = true;
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = self()](beast::error_code ec, std::size_t) {
                       if (self->phase_ == Phase::Closed) return;
                       if (ec) {
                         self->close();
                         return;
                       }
                       self->read();
                     });
  }

  // A request the parser refused: answer with the reason and close.
  void reject(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      response_ = error_response(413, "request body too large: limit is " +
                                          std::to_string(options().body_limit) + " bytes");
    } else if (ec == http::error::header_limit) {
      response_ = error_response(431, "request header too large: limit is " +
                                          std::to_string(options().header_limit) + " bytes");
    } else {
      log::debug("Malformed HTTP request",
                 {{"client", request_.remote_address}, {"error", ec.message()}});
      response_ = error_response(400, "malformed HTTP request: " + ec.message());
    }
    if (!parser_->got_request_line()) request_.method.clear();
    write_response(false);
  }

  void handle() {
    phase_ = Phase::Handling;
    set_deadline(Clock::time_point::max());
    bool keep_alive = parser_->keep_alive();
    if (!parse_request_target(request_.target, request_.path, request_.query)) {
      response_ = error_response(400, "malformed HTTP request: invalid request target");
      keep_alive = false;
    } else {
      // The request's log lines go out with one write, before the response (see log.h).
      log::LineBatch batch;
      call_handler();
    }
    write_response(keep_alive && !shared_->stopping.load(std::memory_order_relaxed));
  }

  void call_handler() {
    try {
      response_ = shared_->handler(request_);
      if (response_.status < 200 || response_.status > 599) {
        int bad = response_.status;
        log::error("HTTP handler returned an invalid status", {{"status", std::to_string(bad)},
                                                               {"method", request_.method},
                                                               {"path", request_.path}});
        response_ = error_response(
            500, "invalid HTTP status " + std::to_string(bad) + " returned by the handler");
      }
    } catch (const Error& e) {
      response_ = error_response(http_status(e.code()), e.what());
    } catch (const std::exception& e) {
      log::error("HTTP handler failed",
                 {{"error", e.what()}, {"method", request_.method}, {"path", request_.path}});
      response_ = error_response(500, e.what());
    } catch (...) {
      log::error("HTTP handler failed with an unknown exception",
                 {{"method", request_.method}, {"path", request_.path}});
      response_ = error_response(500, "internal error");
    }
  }

  void write_response(bool keep_alive) {
    ConnectionHeader connection = ConnectionHeader::None;
    if (!keep_alive) {
      connection = ConnectionHeader::Close;
    } else if (request_.version == 10) {
      connection = ConnectionHeader::KeepAlive;
    }
    close_after_write_ = !keep_alive;
    write_response_head(head_, response_, response_.body.size(), connection);
    bool send_body = status_has_body(response_.status) && request_.method != "HEAD";
    phase_ = Phase::Writing;
    set_deadline(Clock::now() + options().write_timeout);
    std::array<net::const_buffer, 2> buffers{
        net::buffer(head_), send_body ? net::buffer(response_.body) : net::const_buffer()};
    if constexpr (!kTls) {
      // Only when nothing is buffered, so that pipelined requests do not recurse.
      if (buffer_.size() == 0) {
        switch (write_now(socket(), buffers)) {
          case ImmediateWrite::Done:
            on_write({});
            return;
          case ImmediateWrite::Failed:
            close();
            return;
          case ImmediateWrite::Partial:
            break;  // async_write sends the rest
        }
      }
    }
    net::async_write(stream_, buffers,
                     [self = self()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (phase_ == Phase::Closed) return;
    if (ec) {
      close();
      return;
    }
    if (close_after_write_ || shared_->stopping.load(std::memory_order_relaxed)) {
      graceful_close();
      return;
    }
    first_request_ = false;
    start_request();
  }

  // Closes our side and drains what the client still sends for a short while (linger.h).
  void graceful_close() {
    phase_ = Phase::Closing;
    release_slot();
    set_deadline(Clock::now() + kLingerTime);
    if constexpr (kTls) {
      stream_.async_shutdown([self = self()](beast::error_code) { self->close(); });
    } else {
      beast::error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) {
        close();
        return;
      }
      buffer_.clear();
      drain(socket(), buffer_, [self = self()] { self->close(); });
    }
  }

  void close() {
    if (phase_ == Phase::Closed) return;
    phase_ = Phase::Closed;
    release_slot();
    watchdog_.stop();
    beast::error_code ec;
    socket().close(ec);
  }

  void release_slot() {
    if (holds_slot_) {
      holds_slot_ = false;
      shared_->registry.release_slot();
    }
  }

  std::shared_ptr<HttpServerShared> shared_;
  Stream stream_;
  Watchdog<Connection> watchdog_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  HttpRequest request_;
  HttpResponse response_;
  std::string head_;
  Phase phase_ = Phase::Idle;
  bool holds_slot_ = true;
  bool first_request_ = true;
  bool continue_sent_ = false;
  bool close_after_write_ = false;
};

}  // namespace

void serve_http_connection(tcp::socket socket, std::shared_ptr<HttpServerShared> shared) {
  if (shared->tls) {
    auto& ctx = *shared->tls;
    auto c = std::make_shared<Connection<net::ssl::stream<tcp::socket>>>(std::move(shared),
                                                                         std::move(socket), ctx);
    c->start();
  } else {
    auto c = std::make_shared<Connection<tcp::socket>>(std::move(shared), std::move(socket));
    c->start();
  }
}

}  // namespace signatory::server::detail
