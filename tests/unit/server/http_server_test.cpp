// Tests of the HTTP server (src/server/http_server.h): a server on 127.0.0.1:0 in this process,
// with a test handler, spoken to over raw POSIX sockets so that framing, limits and timeouts are
// checked byte for byte and independently of Beast.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace signatory::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Response {
  std::string status_line;
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string get(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A blocking HTTP/1.1 client on a POSIX socket, with a receive timeout so a test never hangs.
class Client {
 public:
  explicit Client(unsigned short port, std::chrono::milliseconds timeout = 5000ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response; nullopt when the connection ends (or times out) before a whole one arrived.
  std::optional<Response> read_response() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    Response r;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    r.status_line = head.substr(0, line_end);
    if (r.status_line.size() < 12 || r.status_line.compare(0, 9, "HTTP/1.1 ") != 0) {
      ADD_FAILURE() << "bad status line: " << r.status_line;
      return std::nullopt;
    }
    r.status = std::stoi(r.status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t eol = head.find("\r\n", pos);
      if (eol == std::string::npos) eol = head.size();
      std::string line = head.substr(pos, eol - pos);
      std::size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[lower(line.substr(0, colon))] = value;
      pos = eol + 2;
    }
    if (r.status == 100) return r;
    std::size_t length = r.has("content-length") ? std::stoul(r.get("content-length")) : 0;
    if (!head_only_) {
      while (buffer_.size() < length) {
        if (!fill()) return std::nullopt;
      }
      r.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    }
    return r;
  }

  std::optional<Response> request(const std::string& raw) {
    if (!send(raw)) return std::nullopt;
    return read_response();
  }

  // True when the server closed the connection (EOF or reset) within `wait` without sending
  // anything more.
  bool closed_by_peer(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n <= 0;
  }

  // Whether bytes (or EOF) are waiting to be read, without waiting.
  bool readable() {
    if (!buffer_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  void set_head_only(bool v) { head_only_ = v; }
  const std::string& leftover() const { return buffer_; }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

 private:
  bool fill() {
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool head_only_ = false;
  std::string buffer_;
};

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n";
}

std::string post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The handler under test: /echo describes the request, the others exercise the error paths.
HttpResponse test_handler(const HttpRequest& request) {
  if (request.path.rfind("/echo", 0) == 0) {
    json query = json::array();
    for (const auto& [k, v] : request.query) query.push_back({k, v});
    json out = {{"method", request.method},
                {"target", request.target},
                {"path", request.path},
                {"query", query},
                {"body", request.body},
                {"remote", request.remote_address},
                {"x_test", request.header("X-Test")},
                {"version", request.version}};
    if (auto id = request.query_param("id")) out["id"] = *id;
    HttpResponse r;
    r.body = out.dump() + "\n";
    r.headers.push_back({"X-Handler", "echo"});
    return r;
  }
  if (request.path == "/error") throw forbidden("forbidden <&> \"x\"");
  if (request.path == "/conflict") throw conflict("watermark validation failed");
  if (request.path == "/throw") throw std::runtime_error("boom");
  if (request.path == "/throw-int") throw 42;
  if (request.path == "/slow") {
    std::this_thread::sleep_for(400ms);
    HttpResponse r;
    r.content_type = "text/plain";
    r.body = "slow done";
    return r;
  }
  if (request.path == "/nocontent") {
    HttpResponse r;
    r.status = 204;
    return r;
  }
  if (request.path == "/badheader") {
    HttpResponse r;
    r.body = "ok";
    r.headers.push_back({"X-Evil", "a\r\nSet-Cookie: x=1"});
    r.headers.push_back({"X-Good", "yes"});
    return r;
  }
  HttpResponse r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "404 page not found\n";
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}, HttpHandler handler = test_handler, int threads = 4) {
    if (options.address.empty()) options.address = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(io_, std::move(options), std::move(handler));
    server_->start();
    ASSERT_NE(server_->port(), 0);
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void stop() {
    if (server_) {
      server_->stop_accepting();
      EXPECT_TRUE(server_->wait_idle(5s));
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    server_.reset();
  }

  void TearDown() override { stop(); }

  unsigned short port() const { return server_->port(); }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  Client c(port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 5; ++i) {
    auto r = c.request(get("/echo?id=" + std::to_string(i)));
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(r->get("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(r->get("content-length"), std::to_string(r->body.size()));
    EXPECT_FALSE(r->has("connection"));
    EXPECT_TRUE(r->has("date"));
    EXPECT_EQ(r->get("x-handler"), "echo");
    ASSERT_FALSE(r->body.empty());
    EXPECT_EQ(r->body.back(), '\n');
    json j = json::parse(r->body);
    EXPECT_EQ(j["id"], std::to_string(i));
    EXPECT_EQ(j["method"], "GET");
    EXPECT_EQ(j["remote"], "127.0.0.1");
  }
  EXPECT_EQ(server_->active_connections(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  Client c(port());
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += get("/echo?id=" + std::to_string(i));
  batch += post("/echo?id=post", "\"abcd\"");
  ASSERT_TRUE(c.send(batch));
  for (int i = 0; i < 10; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(json::parse(r->body)["id"], std::to_string(i));
  }
  auto r = c.read_response();
  ASSERT_TRUE(r);
  json j = json::parse(r->body);
  EXPECT_EQ(j["id"], "post");
  EXPECT_EQ(j["body"], "\"abcd\"");
}

TEST_F(HttpServerTest, DecodesPathQueryAndHeaders) {
  start();
  Client c(port());
  auto r = c.request(get("/echo/a%20b%2Fc?x=1&y=hello+world&z=%41%42&&x=2&bad=%zz&semi=a;b&empty=",
                         "x-TEST: some value\r\n"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json j = json::parse(r->body);
  EXPECT_EQ(j["path"], "/echo/a b/c");
  EXPECT_EQ(j["target"], "/echo/a%20b%2Fc?x=1&y=hello+world&z=%41%42&&x=2&bad=%zz&semi=a;b&empty=");
  // Go's url.ParseQuery: pairs with a bad escape or a ';' are dropped, order is kept.
  json expected =
      json::array({{"x", "1"}, {"y", "hello world"}, {"z", "AB"}, {"x", "2"}, {"empty", ""}});
  EXPECT_EQ(j["query"], expected);
  EXPECT_EQ(j["x_test"], "some value");
}

TEST_F(HttpServerTest, AbsoluteFormTargetUsesItsPath) {
  start();
  Client c(port());
  auto r = c.request(get("http://example.com:6732/echo/x?id=7"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json j = json::parse(r->body);
  EXPECT_EQ(j["path"], "/echo/x");
  EXPECT_EQ(j["id"], "7");
}

TEST_F(HttpServerTest, BadPercentEscapeInPathIs400) {
  start();
  Client c(port());
  auto r = c.request(get("/echo/%zz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_EQ(r->body,
            "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"malformed HTTP request: invalid "
            "request target\"}]\n");
  EXPECT_TRUE(c.closed_by_peer(2000ms));
}

TEST_F(HttpServerTest, PostBodiesWithLengthAndChunked) {
  start();
  Client c(port());
  std::string body(100000, 'a');
  auto r = c.request(post("/echo", body));
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["body"], body);

  r = c.request(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["body"], "hello world");
}

TEST_F(HttpServerTest, HandlerStatusAndHeadersArePassedThrough) {
  start();
  Client c(port());
  auto r = c.request(get("/nowhere"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(r->get("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->body, "404 page not found\n");

  r = c.request(get("/nocontent"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 204 No Content");
  EXPECT_FALSE(r->has("content-length"));
  EXPECT_EQ(r->body, "");

  r = c.request(get("/badheader"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->has("x-evil"));
  EXPECT_FALSE(r->has("set-cookie"));
  EXPECT_EQ(r->get("x-good"), "yes");
  EXPECT_EQ(r->body, "ok");

  // Still in sync after all that.
  r = c.request(get("/echo?id=last"));
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["id"], "last");
}

TEST_F(HttpServerTest, HandlerErrorBecomesTezosJsonError) {
  start();
  Client c(port());
  auto r = c.request(get("/error"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(r->get("content-type"), "application/json; charset=utf-8");
  // Go's encoder escapes <, >, & (Signatory answers through Go's json.Encoder).
  EXPECT_EQ(r->body,
            "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"forbidden \\u003c\\u0026\\u003e "
            "\\\"x\\\"\"}]\n");
  EXPECT_FALSE(r->has("connection"));

  r = c.request(post("/conflict", "\"00\""));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(r->body,
            "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"watermark validation "
            "failed\"}]\n");
}

TEST_F(HttpServerTest, OtherExceptionsAre500AndTheServerCarriesOn) {
  start();
  Client c(port());
  auto r = c.request(get("/throw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"boom\"}]\n");
  r = c.request(get("/throw-int"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"internal error\"}]\n");
  r = c.request(get("/echo?id=after"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, BodyOverLimitIs413AndServerStillAnswers) {
  HttpServerOptions options;
  options.body_limit = 1024;
  start(options);
  const std::string expected =
      "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"request body too large: limit is "
      "1024 bytes\"}]\n";
  {
    Client c(port());
    // Exactly at the limit is fine.
    auto r = c.request(post("/echo", std::string(1024, 'b')));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    r = c.request(post("/echo", std::string(200000, 'b')));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status_line, "HTTP/1.1 413 Payload Too Large");
    EXPECT_EQ(r->get("connection"), "close");
    EXPECT_EQ(r->body, expected);
    EXPECT_TRUE(c.closed_by_peer(3000ms));
  }
  {
    Client c(port());  // chunked bodies are counted too
    std::string chunk(600, 'c');
    std::string raw = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 2; ++i) raw += "258\r\n" + chunk + "\r\n";
    raw += "0\r\n\r\n";
    auto r = c.request(raw);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->body, expected);
  }
  Client c(port());
  auto r = c.request(get("/echo?id=alive"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, HeaderOverLimitIs431) {
  start();
  Client c(port());
  auto r = c.request(get("/echo", "X-Big: " + std::string(10000, 'h') + "\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_EQ(r->body,
            "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"request header too large: limit "
            "is 8192 bytes\"}]\n");
  Client c2(port());
  r = c2.request(get("/echo"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, MalformedRequestIs400AndClosed) {
  start();
  for (std::string raw : {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                          std::string("GET /echo HTTP/1.1\r\nBad Header\r\n\r\n"),
                          std::string("POST /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n")}) {
    Client c(port());
    auto r = c.request(raw);
    ASSERT_TRUE(r) << raw;
    EXPECT_EQ(r->status, 400) << raw;
    EXPECT_EQ(r->get("connection"), "close");
    json j = json::parse(r->body);
    EXPECT_EQ(j[0]["id"], "failure");
    EXPECT_EQ(j[0]["msg"].get<std::string>().rfind("malformed HTTP request: ", 0), 0u) << j.dump();
    EXPECT_TRUE(c.closed_by_peer(2000ms));
  }
}

TEST_F(HttpServerTest, HeadRequestHasNoBody) {
  start();
  Client c(port());
  c.set_head_only(true);
  auto r = c.request("HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get("content-length"), "0");
  c.set_head_only(false);
  r = c.request(get("/echo?id=next"));
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["id"], "next");  // no stray body bytes in between
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAliveAsked) {
  start();
  {
    Client c(port());
    auto r = c.request("GET /echo HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(r->get("connection"), "close");
    EXPECT_EQ(json::parse(r->body)["version"], 10);
    EXPECT_TRUE(c.closed_by_peer(2000ms));
  }
  Client c(port());
  auto r = c.request("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("connection"), "keep-alive");
  r = c.request("GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer(2000ms));
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  start();
  Client c(port());
  ASSERT_TRUE(c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status_line, "HTTP/1.1 100 Continue");
  ASSERT_TRUE(c.send("wxyz"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["body"], "wxyz");
}

TEST_F(HttpServerTest, SlowSenderIsClosedAfterReadTimeout) {
  HttpServerOptions options;
  options.read_timeout = 200ms;
  start(options);
  {
    Client c(port());
    ASSERT_TRUE(c.send("GET /echo HTTP/1.1\r\nHo"));
    auto t0 = Clock::now();
    EXPECT_TRUE(c.closed_by_peer(3000ms));
    auto elapsed = Clock::now() - t0;
    EXPECT_GE(elapsed, 150ms);
    EXPECT_LT(elapsed, 2000ms);
  }
  {
    // Trickling one byte every 50 ms does not extend the deadline.
    Client c(port());
    std::string raw = get("/echo");
    auto t0 = Clock::now();
    bool closed = false;
    for (char ch : raw) {
      if (!c.send(std::string(1, ch))) break;
      if (c.closed_by_peer(50ms)) {
        closed = true;
        break;
      }
    }
    EXPECT_TRUE(closed || c.closed_by_peer(2000ms));
    EXPECT_LT(Clock::now() - t0, 1500ms);
  }
  {
    // A connection that never sends anything is closed too.
    Client c(port());
    auto t0 = Clock::now();
    EXPECT_TRUE(c.closed_by_peer(3000ms));
    EXPECT_LT(Clock::now() - t0, 2000ms);
  }
  // A normal request on a fresh connection is served.
  Client c(port());
  auto r = c.request(get("/echo"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  HttpServerOptions options;
  options.read_timeout = 5000ms;
  options.idle_timeout = 500ms;
  start(options);
  Client c(port());
  // Requests closer together than the idle timeout keep the connection.
  for (int i = 0; i < 4; ++i) {
    auto r = c.request(get("/echo"));
    ASSERT_TRUE(r) << i;
    std::this_thread::sleep_for(150ms);
  }
  auto t0 = Clock::now();
  EXPECT_TRUE(c.closed_by_peer(3000ms));
  auto elapsed = Clock::now() - t0;
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 2000ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(server_->active_connections(), 0u);
}

TEST_F(HttpServerTest, ManyConcurrentConnections) {
  start();
  constexpr int kThreads = 50;
  constexpr int kRequests = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      Client c(port());
      for (int i = 0; i < kRequests; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        auto r = (i % 2) ? c.request(post("/echo?id=" + id, "\"" + id + "\""))
                         : c.request(get("/echo?id=" + id));
        if (!r || r->status != 200) return;
        json j = json::parse(r->body);
        if (j["id"] != id) return;
        if ((i % 2) && j["body"] != "\"" + id + "\"") return;
        ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
}

TEST_F(HttpServerTest, ASlowHandlerDoesNotHoldUpOtherConnections) {
  start();
  Client slow(port());
  ASSERT_TRUE(slow.send(get("/slow")));
  std::this_thread::sleep_for(50ms);
  Client fast(port());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(fast.request(get("/echo")));
  EXPECT_FALSE(slow.readable());  // served while /slow still sleeps
  auto r = slow.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "slow done");
}

TEST_F(HttpServerTest, ClientsVanishingAtAnyPointDoNotHurtTheServer) {
  start();
  {
    Client c(port());
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly part"));
  }
  {
    Client c(port());
    ASSERT_TRUE(c.send(get("/slow")));  // gone before the answer is written
  }
  {
    Client c(port());
    ASSERT_TRUE(c.send(get("/echo")));
    c.shutdown_write();  // half-closed: the answer still arrives
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  std::this_thread::sleep_for(500ms);
  Client c(port());
  auto r = c.request(get("/echo"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreRefused) {
  HttpServerOptions options;
  options.max_connections = 2;
  start(options);
  auto a = std::make_unique<Client>(port());
  Client b(port());
  ASSERT_TRUE(a->request(get("/echo")));
  ASSERT_TRUE(b.request(get("/echo")));
  EXPECT_EQ(server_->active_connections(), 2u);
  {
    Client c(port());
    auto r = c.read_response();  // refused before it says anything
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->get("connection"), "close");
    EXPECT_EQ(r->body,
              "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"too many open connections: "
              "limit is 2\"}]\n");
  }
  a.reset();  // frees a slot
  std::optional<Response> r;
  for (int attempt = 0; attempt < 50 && !r; ++attempt) {
    std::this_thread::sleep_for(20ms);
    Client c(port());
    auto got = c.request(get("/echo"));
    if (got && got->status == 200) r = got;
  }
  EXPECT_TRUE(r);
}

TEST_F(HttpServerTest, GracefulStopLetsInFlightRequestFinish) {
  start();
  Client idle(port());
  ASSERT_TRUE(idle.request(get("/echo")));  // now an idle keep-alive connection
  Client busy(port());
  ASSERT_TRUE(busy.send(get("/slow")));
  std::this_thread::sleep_for(100ms);  // the handler is running

  auto t0 = Clock::now();
  server_->stop_accepting();
  EXPECT_TRUE(idle.closed_by_peer(1000ms));  // idle connections are closed at once
  EXPECT_LT(Clock::now() - t0, 300ms);
  Client late(port());
  EXPECT_FALSE(late.connected());  // the listening socket is gone

  auto r = busy.read_response();  // the in-flight request completes
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slow done");
  EXPECT_EQ(r->get("connection"), "close");
  EXPECT_TRUE(server_->wait_idle(3000ms));
  EXPECT_EQ(server_->active_connections(), 0u);
  EXPECT_TRUE(busy.closed_by_peer(1000ms));
}

TEST_F(HttpServerTest, StartFailsWithClearErrorWhenPortIsTaken) {
  start();
  HttpServerOptions options;
  options.address = "127.0.0.1:" + std::to_string(port());
  HttpServer second(io_, options, test_handler);
  try {
    second.start();
    FAIL() << "second server bound a port in use";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal);
    EXPECT_EQ(std::string(e.what()).rfind("cannot listen on " + options.address + ": ", 0), 0u)
        << e.what();
  }
  HttpServerOptions bad;
  bad.address = "127.0.0.1";
  HttpServer third(io_, bad, test_handler);
  EXPECT_THROW(third.start(), Error);
}

TEST_F(HttpServerTest, ListenAddressReportsTheBoundEndpoint) {
  start();
  EXPECT_EQ(server_->listen_address(), "127.0.0.1:" + std::to_string(port()));
}

TEST(HttpServerIpv6Test, ListensOnIpv6Loopback) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  bool have_v6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (probe >= 0) ::close(probe);
  if (!have_v6) GTEST_SKIP() << "no IPv6 loopback on this machine";

  boost::asio::io_context io;
  HttpServerOptions options;
  options.address = "[::1]:0";
  HttpServer server(io, options, test_handler);
  server.start();
  EXPECT_EQ(server.listen_address(), "[::1]:" + std::to_string(server.port()));
  std::thread runner([&] { io.run(); });

  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  addr.sin6_port = htons(server.port());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string raw = get("/echo");
  ASSERT_EQ(::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL), static_cast<ssize_t>(raw.size()));
  std::string got;
  char buf[4096];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (got.find("\"remote\"") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(got.find("\"remote\":\"::1\""), std::string::npos) << got;
  server.stop_accepting();
  EXPECT_TRUE(server.wait_idle(3000ms));
  io.stop();
  runner.join();
}

}  // namespace
}  // namespace signatory::server
