// SigV4 against the official AWS Signature Version 4 test suite (tests/vectors/sigv4, every
// case found there) and the KMS-shaped vectors made with botocore's signer
// (tests/vectors/sigv4-kms): canonical request, string to sign and Authorization must match
// the expected files byte for byte.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace signatory::aws {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Parses a suite `.req`: request line (split on the first and the last space, so a path may hold
// a space), `Name:value` headers with obsolete line folding, optional blank line and body.
SigningRequest parse_req(const std::string& text) {
  SigningRequest req;
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos > text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = text.substr(pos, end - pos);
    pos = end + 1;
    return true;
  };
  std::string line;
  next_line(line);
  std::size_t first = line.find(' '), last = line.rfind(' ');
  req.method = line.substr(0, first);
  std::string target = line.substr(first + 1, last - first - 1);
  std::size_t q = target.find('?');
  req.path = target.substr(0, q);
  req.query = q == std::string::npos ? "" : target.substr(q + 1);
  while (next_line(line)) {
    if (line.empty()) {
      req.body = pos <= text.size() ? text.substr(pos) : "";
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !req.headers.empty()) {
      req.headers.back().second += " " + line;  // folded continuation
      continue;
    }
    std::size_t colon = line.find(':');
    req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return req;
}

std::chrono::system_clock::time_point parse_time(const std::string& iso) {
  std::tm tm{};
  std::istringstream in(iso);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct Case {
  fs::path dir;
  std::string name;
};

std::vector<Case> cases_in(const fs::path& root) {
  std::vector<Case> out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) out.push_back({entry.path(), entry.path().filename().string()});
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

void check_case(const Case& c, const nlohmann::json& context, const std::string& token) {
  SigningRequest req = parse_req(read_file(c.dir / (c.name + ".req")));
  Credentials creds;
  creds.access_key_id = context["credentials"]["access_key_id"].get<std::string>();
  creds.secret_access_key = crypto::SecretBytes::from_string(
      context["credentials"]["secret_access_key"].get<std::string>());
  if (!token.empty()) creds.session_token = crypto::SecretBytes::from_string(token);
  SigningScope scope{context["region"].get<std::string>(), context["service"].get<std::string>(),
                     parse_time(context["timestamp"].get<std::string>())};

  std::size_t headers_before = req.headers.size();
  SigV4Result r = sign(req, creds, scope);
  EXPECT_EQ(r.canonical_request, read_file(c.dir / (c.name + ".creq"))) << c.name;
  EXPECT_EQ(r.string_to_sign, read_file(c.dir / (c.name + ".sts"))) << c.name;
  EXPECT_EQ(r.authorization, read_file(c.dir / (c.name + ".authz"))) << c.name;
  // sign() added the token header (if any) and Authorization, nothing else: X-Amz-Date is
  // already in every vector.
  ASSERT_EQ(req.headers.size(), headers_before + (token.empty() ? 1 : 2)) << c.name;
  EXPECT_EQ(req.headers.back().first, "Authorization");
  EXPECT_EQ(req.headers.back().second, r.authorization);
  if (!token.empty()) {
    EXPECT_EQ(req.headers[headers_before].first, "X-Amz-Security-Token");
    EXPECT_EQ(req.headers[headers_before].second, token);
  }
}

const fs::path kSuite = fs::path(SIGNATORY_TESTDATA) / "sigv4";
const fs::path kKms = fs::path(SIGNATORY_TESTDATA) / "sigv4-kms";

TEST(SigV4Suite, EveryOfficialCaseMatches) {
  auto context = nlohmann::json::parse(read_file(kSuite / "context.json"));
  auto cases = cases_in(kSuite);
  // The suite holds 34 cases (normalize-path and post-sts-token flattened in).
  ASSERT_GE(cases.size(), 34u) << "test vectors missing in " << kSuite;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string token;
    if (c.name == "get-vanilla-with-session-token") {
      token = context["session_token_for_get-vanilla-with-session-token"].get<std::string>();
    }
    check_case(c, context, token);
  }
}

TEST(SigV4Suite, EveryKmsCaseMatches) {
  auto cases = cases_in(kKms);
  ASSERT_EQ(cases.size(), 4u) << "test vectors missing in " << kKms;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto context = nlohmann::json::parse(read_file(c.dir / "context.json"));
    std::string token = context["credentials"].value("token", "");
    check_case(c, context, token);
  }
}

TEST(SigV4, AddsDateHeaderFromTheScopeTime) {
  SigningRequest req{"POST", "/", "", {{"Host", "kms.us-east-1.amazonaws.com"}}, "{}"};
  Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = crypto::SecretBytes::from_string("secret");
  SigningScope scope{"us-east-1", "kms", parse_time("2026-11-28T23:46:29Z")};
  SigV4Result r = sign(req, creds, scope);
  ASSERT_EQ(req.headers.size(), 3u);
  EXPECT_EQ(req.headers[1].first, "X-Amz-Date");
  EXPECT_EQ(req.headers[1].second, "20261128T234629Z");
  EXPECT_NE(r.canonical_request.find("x-amz-date:20261128T234629Z\n"), std::string::npos);
  EXPECT_NE(r.authorization.find("Credential=AKIDEXAMPLE/20261128/us-east-1/kms/aws4_request"),
            std::string::npos);
  // The secret never appears in any output.
  EXPECT_EQ(r.canonical_request.find("secret"), std::string::npos);
  EXPECT_EQ(r.string_to_sign.find("secret"), std::string::npos);
  EXPECT_EQ(r.authorization.find("secret"), std::string::npos);
}

TEST(SigV4, CanonicalPathAndQueryEdgeCases) {
  EXPECT_EQ(canonical_path(""), "/");
  EXPECT_EQ(canonical_path("/a/b/../../.."), "/");
  EXPECT_EQ(canonical_path("/a b/%"), "/a%20b/%25");
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
  EXPECT_EQ(canonical_query("x=%zz"), "x=%25zz");  // a malformed escape is kept literally
}

}  // namespace
}  // namespace signatory::aws
