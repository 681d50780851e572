// Parsing and validation of `host:port` listen addresses (see listen_address.h).
#include "config/listen_address.h"

#include "common/error.h"

namespace signatory::config {

namespace {

[[noreturn]] void invalid(std::string_view text, const std::string& reason) {
  throw bad_request("invalid address `" + std::string(text) + "': " + reason);
}

bool is_hostname_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.';
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text) {
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) invalid(text, "missing ']' in address");
    const std::string_view host = text.substr(1, close - 1);
    if (host.empty() || host.find(':') == std::string_view::npos) {
      invalid(text, "brackets are only for IPv6 addresses");
    }
    // An optional zone (`%eth0`) follows the address.
    const auto zone = host.find('%');
    for (char c : host.substr(0, zone)) {
      if (!is_ipv6_char(c)) invalid(text, "invalid IPv6 address");
    }
    if (zone != std::string_view::npos) {
      const std::string_view name = host.substr(zone + 1);
      if (name.empty()) invalid(text, "empty IPv6 zone");
      for (char c : name) {
        if (!is_hostname_char(c)) invalid(text, "invalid IPv6 zone");
      }
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      invalid(text, "missing port (expected host:port)");
    }
    out.host = std::string(host);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) invalid(text, "missing port (expected host:port)");
    const std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      invalid(text, "too many colons (write IPv6 addresses as [addr]:port)");
    }
    for (char c : host) {
      if (!is_hostname_char(c)) invalid(text, "invalid host name");
    }
    out.host = std::string(host);
    port = text.substr(colon + 1);
  }
  if (port.empty()) invalid(text, "missing port (expected host:port)");
  if (port.size() > 5) invalid(text, "port out of range (0-65535)");
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') invalid(text, "port must be a decimal number");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) invalid(text, "port out of range (0-65535)");
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace signatory::config
