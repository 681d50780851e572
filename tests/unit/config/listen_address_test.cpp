// Tests of listen_address.cpp: the `host:port` forms Signatory accepts for server addresses.
#include "config/listen_address.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace signatory::config {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_listen_address(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.what();
  }
  ADD_FAILURE() << "accepted " << text;
  return "";
}

TEST(ListenAddress, AcceptedForms) {
  auto a = parse_listen_address(":6732");
  EXPECT_EQ(a.host, "");
  EXPECT_EQ(a.port, 6732);
  a = parse_listen_address("localhost:9583");
  EXPECT_EQ(a.host, "localhost");
  EXPECT_EQ(a.port, 9583);
  a = parse_listen_address("10.0.0.1:0");
  EXPECT_EQ(a.host, "10.0.0.1");
  EXPECT_EQ(a.port, 0);
  a = parse_listen_address("[::1]:65535");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 65535);
  a = parse_listen_address("[fe80::1%eth0]:80");
  EXPECT_EQ(a.host, "fe80::1%eth0");
  EXPECT_EQ(parse_listen_address("signer-1.internal.example:443").host,
            "signer-1.internal.example");
}

TEST(ListenAddress, RefusedForms) {
  EXPECT_EQ(error_of("localhost"),
            "invalid address `localhost': missing port (expected host:port)");
  EXPECT_EQ(error_of(""), "invalid address `': missing port (expected host:port)");
  EXPECT_EQ(error_of("host:"), "invalid address `host:': missing port (expected host:port)");
  EXPECT_EQ(error_of(":65536"), "invalid address `:65536': port out of range (0-65535)");
  EXPECT_EQ(error_of(":123456"), "invalid address `:123456': port out of range (0-65535)");
  EXPECT_EQ(error_of(":http"), "invalid address `:http': port must be a decimal number");
  EXPECT_EQ(error_of(":-1"), "invalid address `:-1': port must be a decimal number");
  EXPECT_EQ(error_of("::1:80"),
            "invalid address `::1:80': too many colons (write IPv6 addresses as [addr]:port)");
  EXPECT_EQ(error_of("[::1]"), "invalid address `[::1]': missing port (expected host:port)");
  EXPECT_EQ(error_of("[::1:80"), "invalid address `[::1:80': missing ']' in address");
  EXPECT_EQ(error_of("[localhost]:80"),
            "invalid address `[localhost]:80': brackets are only for IPv6 addresses");
  EXPECT_EQ(error_of("bad host:80"), "invalid address `bad host:80': invalid host name");
  EXPECT_EQ(error_of("http://x:80"),
            "invalid address `http://x:80': too many colons (write IPv6 addresses as [addr]:port)");
}

}  // namespace
}  // namespace signatory::config
