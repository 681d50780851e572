// Tests of SecretBytes: ownership, copies, moves and the empty buffer.
#include "crypto/secret_bytes.h"

#include <gtest/gtest.h>

#include <utility>

namespace signatory::crypto {
namespace {

TEST(SecretBytes, SizedBufferIsZeroed) {
  SecretBytes s(40);
  EXPECT_EQ(s.size(), 40u);
  EXPECT_FALSE(s.empty());
  for (auto b : s.view()) EXPECT_EQ(b, 0);
  s.span()[39] = 7;
  EXPECT_EQ(s.data()[39], 7);
}

TEST(SecretBytes, CopiesItsInput) {
  Bytes src = {1, 2, 3, 4};
  SecretBytes s(src);
  src[0] = 9;
  EXPECT_EQ(to_hex(s.view()), "01020304");
  SecretBytes c = s.clone();
  EXPECT_NE(c.data(), s.data());
  EXPECT_EQ(to_hex(c.view()), "01020304");
  EXPECT_EQ(SecretBytes::from_string("pw").as_string(), "pw");
}

TEST(SecretBytes, MoveLeavesTheSourceEmpty) {
  SecretBytes a(Bytes{5, 6});
  const std::uint8_t* p = a.data();
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(a.data(), nullptr);
  SecretBytes c(Bytes{7});
  c = std::move(b);
  EXPECT_EQ(to_hex(c.view()), "0506");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  SecretBytes& alias = c;
  c = std::move(alias);  // self-move keeps the value
  EXPECT_EQ(to_hex(c.view()), "0506");
}

TEST(SecretBytes, EmptyBuffers) {
  SecretBytes d;
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.view().size(), 0u);
  SecretBytes z(std::size_t{0});
  EXPECT_TRUE(z.empty());
  SecretBytes e{ByteView{}};
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(SecretBytes::from_string("").as_string(), "");
}

}  // namespace
}  // namespace signatory::crypto
