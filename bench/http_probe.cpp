// The KMS emulator's own reply time for bench/run: one HTTP request per new TCP connection
// (connect, send, read the whole reply, close), as the signer's KMS client has to talk to an
// emulator that closes every connection (moto answers `Connection: close`). The request is
// read from a file as raw bytes (bench/run.py writes a pre-signed KMS Sign request there).
//
// Usage: bench_http_probe HOST PORT REQUEST_FILE [count=300]
// Prints one JSON line:
//   {"count":N,"non_200":K,"p50_us":…,"p99_us":…,"p999_us":…,"mean_us":…}
// Latency runs from connect() to the last byte of the reply. Single-threaded; exits 1 when a
// connection or read fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_http_probe: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

// One exchange; returns the status code.
int exchange(const sockaddr_in& addr, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) die("connect");
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) die("send");
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  std::size_t body_at = std::string::npos, length = 0;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) die("recv");
    if (n == 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
    if (body_at == std::string::npos) {
      const std::size_t end = reply.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      body_at = end + 4;
      std::string head = reply.substr(0, end);
      std::transform(head.begin(), head.end(), head.begin(), ::tolower);
      const std::size_t cl = head.find("\r\ncontent-length:");
      length = cl == std::string::npos ? std::string::npos
                                       : std::strtoul(head.c_str() + cl + 17, nullptr, 10);
    }
    if (length != std::string::npos && reply.size() >= body_at + length) break;
  }
  ::close(fd);
  if (reply.size() < 12 || reply.compare(0, 5, "HTTP/") != 0) {
    errno = EPROTO;
    die("not an HTTP reply");
  }
  return std::atoi(reply.c_str() + 9);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_http_probe HOST PORT REQUEST_FILE [count]\n");
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (::inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) die("bad host address");
  std::ifstream in(argv[3], std::ios::binary);
  if (!in) die("cannot read the request file");
  std::stringstream text;
  text << in.rdbuf();
  const std::string request = text.str();
  const std::size_t count = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 300;

  std::vector<double> us;
  std::size_t non_200 = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (exchange(addr, request) != 200) ++non_200;
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  double mean = 0;
  for (double v : us) mean += v;
  mean /= static_cast<double>(std::max<std::size_t>(1, us.size()));
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) {
    return us.empty() ? 0.0
                      : us[std::min(us.size() - 1,
                                    static_cast<std::size_t>(p * static_cast<double>(us.size())))];
  };
  std::printf(
      "{\"count\":%zu,\"non_200\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"mean_us\":"
      "%.1f}\n",
      us.size(), non_200, pct(0.50), pct(0.99), pct(0.999), mean);
  return 0;
}
