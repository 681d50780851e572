// Tests of listen-address parsing (src/server/http_address.h), Go "host:port" forms.
#include "server/http_address.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace signatory::server {
namespace {

TEST(HttpAddress, AcceptsGoForms) {
  auto a = parse_listen_address(":6732");
  EXPECT_EQ(a.host, "");
  EXPECT_EQ(a.port, 6732);
  a = parse_listen_address("127.0.0.1:9583");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9583);
  a = parse_listen_address("[::1]:6732");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 6732);
  a = parse_listen_address("localhost:0");
  EXPECT_EQ(a.host, "localhost");
  EXPECT_EQ(a.port, 0);
  a = parse_listen_address("[::]:65535");
  EXPECT_EQ(a.host, "::");
  EXPECT_EQ(a.port, 65535);
}

TEST(HttpAddress, RejectsMalformedAddresses) {
  for (const char* bad : {"", "6732", "127.0.0.1", "127.0.0.1:", ":65536", ":99999999", ":port",
                          "::1:6732", "[::1]6732", "[::1", "[]:1", "a]:1", ":-1"}) {
    try {
      parse_listen_address(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 400) << bad;
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + bad + "\""), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace signatory::server
