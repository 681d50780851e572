// Tests of the Tezos JSON error body and Go-compatible string escaping
// (src/server/http_error_body.h). Expected strings are written from Go's encoding/json rules, not
// produced by our code.
#include "server/http_error_body.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace signatory::server {
namespace {

std::string go_quoted(std::string_view s) {
  std::string out;
  append_go_json_string(out, s);
  return out;
}

TEST(HttpErrorBody, HasTheTezosShape) {
  EXPECT_EQ(http_error_body("request body too large: limit is 1024 bytes"),
            "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"request body too large: limit "
            "is 1024 bytes\"}]\n");
}

TEST(HttpErrorBody, EscapesLikeGo) {
  EXPECT_EQ(go_quoted("plain"), "\"plain\"");
  EXPECT_EQ(go_quoted("q\"b\\"), "\"q\\\"b\\\\\"");
  EXPECT_EQ(go_quoted("<a>&"), "\"\\u003ca\\u003e\\u0026\"");
  EXPECT_EQ(go_quoted("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(go_quoted(std::string("\x01\x1f\x00", 3)), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(go_quoted("\x7f"), "\"\x7f\"");
  EXPECT_EQ(go_quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(go_quoted("a\xe2\x80\xa8"
                      "b\xe2\x80\xa9"),
            "\"a\\u2028b\\u2029\"");
}

TEST(HttpErrorBody, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(go_quoted("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(go_quoted("a\xc3"), "\"a\\ufffd\"");                      // truncated sequence
  EXPECT_EQ(go_quoted("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  EXPECT_EQ(go_quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate half
  EXPECT_EQ(go_quoted("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
}

TEST(HttpErrorBody, OutputIsValidJsonForAnyBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  auto doc = nlohmann::json::parse(http_error_body(all));
  ASSERT_TRUE(doc.is_array());
  EXPECT_EQ(doc[0]["id"], "failure");
  EXPECT_EQ(doc[0]["msg"].get<std::string>().substr(0, 128), all.substr(0, 128));
}

}  // namespace
}  // namespace signatory::server
