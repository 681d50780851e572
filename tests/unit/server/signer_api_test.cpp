// The signer API's body parsing and error body, against Signatory's formats (Signatory's pkg/server).
#include <gtest/gtest.h>

#include "common/error.h"
#include "server/http_error_body.h"
#include "server/signer_api.h"

namespace signatory::server {
namespace {

TEST(SignBody, JsonStringOfHex) {
  EXPECT_EQ(to_hex(parse_sign_body("\"03ab\"")), "03ab");
  EXPECT_EQ(to_hex(parse_sign_body(" \"03AB\"\n")), "03ab");
  EXPECT_EQ(to_hex(parse_sign_body("\"\\u0030\\u0033\"")), "03");  // escaped JSON string
}

TEST(SignBody, RefusesWhatIsNotAJsonStringOfHex) {
  for (const char* body : {"", "03ab", "[\"03\"]", "{\"a\":1}", "\"03ab", "\"0g\"", "\"abc\"", "3"}) {
    try {
      parse_sign_body(body);
      ADD_FAILURE() << "accepted " << body;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::BadRequest) << body;
      EXPECT_NE(std::string(e.what()).size(), 0u);
    }
  }
}

TEST(ErrorBody, IsTheTezosErrorArray) {
  EXPECT_EQ(http_error_body("request kind `block' is not allowed"),
            "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"request kind `block' is not "
            "allowed\"}]\n");
  EXPECT_EQ(http_error_body("a \"q\" <b> & c"),
            "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"a \\\"q\\\" \\u003cb\\u003e "
            "\\u0026 c\"}]\n");
}

}  // namespace
}  // namespace signatory::server
