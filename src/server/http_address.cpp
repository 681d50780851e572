// Parsing of "host:port" listen addresses (see http_address.h).
#include "server/http_address.h"

#include "common/error.h"

namespace signatory::server {
namespace {

[[noreturn]] void fail(std::string_view address, const std::string& reason) {
  throw bad_request("invalid listen address \"" + std::string(address) + "\": " + reason);
}

}  // namespace

ListenAddress parse_listen_address(std::string_view address) {
  ListenAddress out;
  std::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    if (close == std::string_view::npos) fail(address, "missing ']' after the IPv6 address");
    out.host = std::string(address.substr(1, close - 1));
    if (out.host.empty()) fail(address, "empty IPv6 address between brackets");
    std::string_view rest = address.substr(close + 1);
    if (rest.empty() || rest.front() != ':') fail(address, "missing port (expected [host]:port)");
    port_text = rest.substr(1);
  } else {
    auto colon = address.rfind(':');
    if (colon == std::string_view::npos) fail(address, "missing port (expected host:port)");
    std::string_view host = address.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      fail(address, "too many colons (write an IPv6 address as [addr]:port)");
    }
    if (host.find_first_of("[]") != std::string_view::npos) fail(address, "unexpected bracket");
    out.host = std::string(host);
    port_text = address.substr(colon + 1);
  }
  if (port_text.empty()) fail(address, "missing port");
  if (port_text.size() > 5) fail(address, "port out of range");
  unsigned value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') fail(address, "port is not a number");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) fail(address, "port out of range");
  out.port = static_cast<unsigned short>(value);
  return out;
}

}  // namespace signatory::server
