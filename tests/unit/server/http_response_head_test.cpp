// Tests of response head serialisation (src/server/http_response_head.h).
#include "server/http_response_head.h"

#include <gtest/gtest.h>

#include <regex>

namespace signatory::server {
namespace {

// The head with the Date line removed (checked separately).
std::string without_date(std::string head) {
  auto at = head.find("Date: ");
  if (at == std::string::npos) return head;
  auto end = head.find("\r\n", at);
  return head.erase(at, end + 2 - at);
}

TEST(HttpResponseHead, DefaultJsonResponse) {
  HttpResponse r;
  r.body = "{}\n";
  std::string head;
  write_response_head(head, r, r.body.size(), ConnectionHeader::None);
  EXPECT_EQ(without_date(head),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
            "Content-Length: 3\r\n\r\n");
  EXPECT_TRUE(std::regex_search(
      head, std::regex("\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
                       "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                       "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT\r\n")))
      << head;
}

TEST(HttpResponseHead, ConnectionHeadersAndExtras) {
  HttpResponse r;
  r.status = 409;
  r.content_type = "";
  r.headers = {{"X-One", "1"},    {"content-length", "999"}, {"Connection", "upgrade"},
               {"Bad Name", "x"}, {"X-Split", "a\r\nb"},     {"X-Two", "two words"}};
  std::string head = "garbage from last time";
  write_response_head(head, r, 0, ConnectionHeader::Close);
  EXPECT_EQ(without_date(head),
            "HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\nConnection: close\r\n"
            "X-One: 1\r\nX-Two: two words\r\n\r\n");
  write_response_head(head, r, 12, ConnectionHeader::KeepAlive);
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: 12\r\n"), std::string::npos);
}

TEST(HttpResponseHead, StatusesWithoutBody) {
  HttpResponse r;
  r.status = 204;
  r.content_type = "";
  std::string head;
  write_response_head(head, r, 0, ConnectionHeader::None);
  EXPECT_EQ(without_date(head), "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_FALSE(status_has_body(204));
  EXPECT_FALSE(status_has_body(304));
  EXPECT_FALSE(status_has_body(101));
  EXPECT_TRUE(status_has_body(200));
  EXPECT_TRUE(status_has_body(500));
  r.status = 299;
  write_response_head(head, r, 0, ConnectionHeader::None);
  EXPECT_EQ(head.substr(0, head.find("\r\n")), "HTTP/1.1 299 Unknown");
}

}  // namespace
}  // namespace signatory::server
