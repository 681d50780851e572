// Tests of request-target decoding (src/server/http_target.h), against Go's net/url behaviour.
#include "server/http_target.h"

#include <gtest/gtest.h>

namespace signatory::server {
namespace {

struct Parsed {
  bool ok = false;
  std::string path;
  HttpQuery query;
};

Parsed parse(std::string_view target) {
  Parsed p;
  p.ok = parse_request_target(target, p.path, p.query);
  return p;
}

TEST(HttpTarget, OriginForm) {
  auto p = parse("/keys/tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb?version=1&authentication=edsig%2Bx");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.path, "/keys/tz1VSUr8wwNhLAzempoch5d6hLRiTh8Cjcjb");
  EXPECT_EQ(p.query, (HttpQuery{{"version", "1"}, {"authentication", "edsig+x"}}));
}

TEST(HttpTarget, PathIsPercentDecodedButPlusStays) {
  auto p = parse("/a%20b+c%2fd");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.path, "/a b+c/d");
  EXPECT_TRUE(p.query.empty());
}

TEST(HttpTarget, QueryFollowsGoParseQuery) {
  auto p = parse("/x?a=1&&b=two+words&c&=v&d=%zz&e=1;2&f=%41&a=3");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(
      p.query,
      (HttpQuery{{"a", "1"}, {"b", "two words"}, {"c", ""}, {"", "v"}, {"f", "A"}, {"a", "3"}}));
  EXPECT_EQ(parse("/x?").query, HttpQuery{});
  EXPECT_EQ(parse("/x?k=v=w").query, (HttpQuery{{"k", "v=w"}}));
}

TEST(HttpTarget, OutputsAreOverwrittenOnReuse) {
  std::string path = "stale";
  HttpQuery query{{"old", "1"}, {"old2", "2"}, {"old3", "3"}};
  ASSERT_TRUE(parse_request_target("/new?k=v", path, query));
  EXPECT_EQ(path, "/new");
  EXPECT_EQ(query, (HttpQuery{{"k", "v"}}));
}

TEST(HttpTarget, AbsoluteFormAndAsterisk) {
  auto p = parse("http://signer.example:6732/keys/tz1abc?version=0");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.path, "/keys/tz1abc");
  EXPECT_EQ(p.query, (HttpQuery{{"version", "0"}}));
  p = parse("https://signer.example?x=1");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.path, "");
  EXPECT_EQ(p.query, (HttpQuery{{"x", "1"}}));
  p = parse("*");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.path, "*");
}

TEST(HttpTarget, RejectsMalformedTargets) {
  EXPECT_FALSE(parse("").ok);
  EXPECT_FALSE(parse("keys/tz1").ok);
  EXPECT_FALSE(parse("/bad%zzescape").ok);
  EXPECT_FALSE(parse("/truncated%4").ok);
  EXPECT_FALSE(parse("/truncated%").ok);
  EXPECT_FALSE(parse("://nohost/x").ok);
}

TEST(HttpTarget, PercentDecode) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%2B+b%00", true, out));
  EXPECT_EQ(out, std::string("a+ b\0", 5));
  EXPECT_TRUE(percent_decode("a+b", false, out));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(percent_decode("%g0", false, out));
}

}  // namespace
}  // namespace signatory::server
