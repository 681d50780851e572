// RFC 4648 base64 in both forms of common/base64.h: the RFC's test vectors (§10), the URL-safe
// alphabet, and every way a text can fail to be the one canonical encoding of its bytes.
#include "common/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace signatory {
namespace {

std::string text_of(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

std::string decoded_text(std::string_view segment) {
  auto raw = base64url_decode(segment);
  EXPECT_TRUE(raw) << segment;
  return raw ? text_of(*raw) : std::string();
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_view(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(std::string(decoded->begin(), decoded->end()), plain);
  }
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zh==", "Zm9v\n", "Zm-_", "Zg==Zg==", "=Zg="}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
}

TEST(Base64Url, Rfc4648Vectors) {
  // RFC 4648 §10 (padding dropped, as base64url in JWS is unpadded).
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64url_encode(as_view(plain)), encoded);
    EXPECT_EQ(decoded_text(encoded), plain);
  }
  // The URL-safe alphabet: 0xfb 0xff → "-_8".
  EXPECT_EQ(base64url_encode(Bytes{0xfb, 0xff}), "-_8");
}

TEST(Base64Url, RefusesWhatIsNotCanonicalBase64Url) {
  for (const char* bad : {"Zg==", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zh", "Zm9=", "Zm 9v"})
    EXPECT_FALSE(base64url_decode(bad)) << bad;
}

}  // namespace
}  // namespace signatory
