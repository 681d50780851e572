// Hex and logrus-style log lines.
#include <gtest/gtest.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/log.h"

namespace signatory {
namespace {

TEST(Hex, RoundTripAndCase) {
  EXPECT_EQ(to_hex(from_hex("00ffA0")), "00ffa0");
  EXPECT_TRUE(from_hex("").empty());
}

TEST(Hex, ErrorsNameTheProblem) {
  try {
    from_hex("03zz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_STREQ(e.what(), "invalid hex: bad character 'z' at offset 2");
  }
  EXPECT_THROW(from_hex("abc"), Error);
}

TEST(Log, TextLayoutMatchesLogrus) {
  // logrus: level, [seconds], message padded to 44 columns, sorted coloured fields.
  std::string line = log::format_line(log::Level::Info, "Initializing vault",
                                      {{"vault_name", "local"}, {"vault", "file"}},
                                      log::Format::Text, 0.2, "");
  EXPECT_EQ(line,
            "\x1b[36mINFO\x1b[0m[0000] Initializing vault" + std::string(26, ' ') +
                " \x1b[36mvault\x1b[0m=file \x1b[36mvault_name\x1b[0m=local\n");
}

TEST(Log, LogfmtQuotesWhenNeeded) {
  std::string line = log::format_line(log::Level::Warn, "a b", {{"k", "x y"}, {"j", "plain"}},
                                      log::Format::Logfmt, 0, "2026-01-01T00:00:00Z");
  EXPECT_EQ(line, "time=\"2026-01-01T00:00:00Z\" level=warning msg=\"a b\" j=plain k=\"x y\"\n");
}

TEST(Log, JsonLine) {
  std::string line = log::format_line(log::Level::Error, "bad \"x\"", {{"pkh", "tz1"}},
                                      log::Format::Json, 0, "T");
  EXPECT_EQ(line, "{\"pkh\":\"tz1\",\"level\":\"error\",\"msg\":\"bad \\\"x\\\"\",\"time\":\"T\"}\n");
}

TEST(Log, ParseLevel) {
  EXPECT_EQ(log::parse_level("debug"), log::Level::Debug);
  EXPECT_THROW(log::parse_level("loud"), Error);
}

}  // namespace
}  // namespace signatory
