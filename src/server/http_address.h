// A listen address as Signatory's config writes it, Go's "host:port": ":6732" (all
// interfaces), "127.0.0.1:6732", "[::1]:6732", "localhost:6732"; port 0 asks for an ephemeral
// port. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace signatory::server {

struct ListenAddress {
  std::string host;  // without brackets; empty = all interfaces
  unsigned short port = 0;
};

// Throws Error(400) naming the problem: missing port, bad port, unbalanced brackets, an IPv6
// address without brackets.
ListenAddress parse_listen_address(std::string_view address);

}  // namespace signatory::server
