// A `host:port` listen address as `server.address` and `server.utility_address` take it
// (Signatory's `hostname_port` rule): the host may be empty (all interfaces), a host name, an
// IPv4 address or a bracketed IPv6 address (`[::1]:6732`); the port is decimal, 0–65535.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace signatory::config {

struct ListenAddress {
  std::string host;  // without brackets; empty: every interface
  std::uint16_t port = 0;
};

// Throws Error(BadRequest) "invalid address `<text>': <reason>".
ListenAddress parse_listen_address(std::string_view text);

}  // namespace signatory::config
