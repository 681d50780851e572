// Opening a backend by driver name: `file` (also the empty name), `mem` and `postgres` (tested
// in postgres/postgres_*_test.cpp); a backend registered by name is opened with base_dir and
// its options; any other name is a 400 that lists the valid drivers.
#include "watermark/registry.h"

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

TEST(WatermarkFactory, BackendsRegisterByName) {
  std::string seen_base;
  WatermarkOptions seen_options;
  register_backend("test-backend", [&](const std::string& base, const WatermarkOptions& o) {
    seen_base = base;
    seen_options = o;
    return std::make_unique<MemWatermark>();
  });
  auto store = open_watermark("test-backend", "/some/base",
                              WatermarkOptions::from_scalars({{"k", "v"}}, "watermark.config"));
  EXPECT_EQ(store->backend_name(), "mem");
  EXPECT_EQ(seen_base, "/some/base");
  ASSERT_NE(seen_options.find("k"), nullptr);
  EXPECT_EQ(seen_options.find("k")->text(), "v");
  EXPECT_EQ(seen_options.entries().size(), 1u);
  const auto drivers = watermark_drivers();
  EXPECT_NE(std::find(drivers.begin(), drivers.end(), "test-backend"), drivers.end());
  register_backend("test-backend", nullptr);
  EXPECT_EQ(watermark_drivers(), (std::vector<std::string>{"file", "mem", "postgres"}));
}

TEST(WatermarkFactory, UnknownDriverNamesTheValidOnes) {
  const Error e = error_of([] { open_watermark("aws", "/nonexistent"); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_STREQ(e.what(), "unknown watermark driver `aws' (valid drivers: file, mem, postgres)");
}

}  // namespace
}  // namespace signatory::watermark
