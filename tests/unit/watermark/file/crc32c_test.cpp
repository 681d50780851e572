// Tests of CRC-32C against published check values: the catalogue check value of "123456789"
// and the iSCSI test patterns of RFC 3720 appendix B.4.
#include "watermark/file/crc32c.h"

#include <gtest/gtest.h>

namespace signatory::watermark {
namespace {

TEST(Crc32c, CheckValue) {
  EXPECT_EQ(crc32c(as_view("123456789")), 0xE3069283u);
}

TEST(Crc32c, Rfc3720Patterns) {
  Bytes zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<std::uint8_t>(i);
    down[i] = static_cast<std::uint8_t>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down), 0x113FDB5Cu);
}

TEST(Crc32c, EmptyInput) {
  EXPECT_EQ(crc32c(ByteView()), 0u);
}

}  // namespace
}  // namespace signatory::watermark
