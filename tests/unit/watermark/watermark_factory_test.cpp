// Opening a backend by driver name: `file` (also the empty name), `mem` and `postgres` (tested
// in postgres_*_test.cpp); any other name is a 400 that lists the valid drivers.
#include "watermark/watermark_factory.h"

#include <gtest/gtest.h>

#include "watermark_test_support.h"

namespace signatory::watermark {
namespace {

using namespace testing;

TEST(WatermarkFactory, KnownDrivers) {
  TempDir base;
  EXPECT_EQ(open_watermark("file", base.str())->backend_name(), "file");
  EXPECT_TRUE(std::filesystem::exists(FileWatermark::log_path(base.str())));
  TempDir other;
  EXPECT_EQ(open_watermark("", other.str())->backend_name(), "file");
  EXPECT_EQ(open_watermark("mem", base.str())->backend_name(), "mem");
  EXPECT_EQ(watermark_drivers(), (std::vector<std::string>{"file", "mem", "postgres"}));
}

TEST(WatermarkFactory, UnknownDriverNamesTheValidOnes) {
  const Error e = error_of([] { open_watermark("aws", "/nonexistent"); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_STREQ(e.what(), "unknown watermark driver `aws' (valid drivers: file, mem, postgres)");
}

}  // namespace
}  // namespace signatory::watermark
