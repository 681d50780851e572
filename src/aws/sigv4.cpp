// AWS Signature Version 4 (see sigv4.h).
#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "common/bytes.h"
#include "common/error.h"
#include "crypto/sha256.h"

namespace signatory::aws {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query components as a form decoder reads them: %XX decoded, '+' as space; a malformed
// escape is kept literally.
std::string query_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims and collapses runs of spaces and tabs to one space.
std::string canonical_header_value(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  return to_hex(crypto::sha256(as_view(data)));
}

crypto::SecretBytes hmac_sha256(ByteView key, std::string_view data) {
  crypto::SecretBytes out(32);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &len) == nullptr ||
      len != 32) {
    throw internal_error("HMAC-SHA256 failed");
  }
  return out;
}

std::string date_stamp(std::chrono::system_clock::time_point time) {
  return amz_date(time).substr(0, 8);
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string canonical_path(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  // Remove "." and ".." segments and empty segments (duplicate slashes), as botocore does for
  // every service but S3; keep a trailing slash.
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= raw_path.size()) {
    std::size_t end = raw_path.find('/', start);
    if (end == std::string_view::npos) end = raw_path.size();
    std::string_view seg = raw_path.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  std::string normalised = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalised += '/';
    normalised += segments[i];
  }
  if (raw_path.back() == '/' && !segments.empty()) normalised += '/';
  return uri_encode(normalised, /*keep_slash=*/true);
}

std::string canonical_query(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < raw_query.size()) {
    std::size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view item = raw_query.substr(start, end - start);
    if (!item.empty()) {
      std::size_t eq = item.find('=');
      std::string_view key = item.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
      params.emplace_back(uri_encode(query_decode(key), false),
                          uri_encode(query_decode(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

SigV4Result compute_signature(const SigningRequest& request, const Credentials& credentials,
                              const SigningScope& scope) {
  // Headers: lower-case names, values trimmed; repeated names joined with ',' in order.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = lower(canonical_header_value(name));
    std::string v = canonical_header_value(value);
    auto [it, inserted] = headers.emplace(key, v);
    if (!inserted) it->second += "," + v;
  }
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  SigV4Result result;
  result.canonical_request = request.method + "\n" + canonical_path(request.path) + "\n" +
                             canonical_query(request.query) + "\n" + canonical_headers + "\n" +
                             signed_headers + "\n" + sha256_hex(request.body);

  std::string date = amz_date(scope.time);
  std::string credential_scope =
      date.substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
  result.string_to_sign = "AWS4-HMAC-SHA256\n" + date + "\n" + credential_scope + "\n" +
                          sha256_hex(result.canonical_request);

  crypto::SecretBytes secret(credentials.secret_access_key.size() + 4);
  std::copy_n("AWS4", 4, secret.data());
  std::copy(credentials.secret_access_key.view().begin(),
            credentials.secret_access_key.view().end(), secret.data() + 4);
  crypto::SecretBytes k_date = hmac_sha256(secret.view(), date_stamp(scope.time));
  crypto::SecretBytes k_region = hmac_sha256(k_date.view(), scope.region);
  crypto::SecretBytes k_service = hmac_sha256(k_region.view(), scope.service);
  crypto::SecretBytes k_signing = hmac_sha256(k_service.view(), "aws4_request");
  crypto::SecretBytes signature = hmac_sha256(k_signing.view(), result.string_to_sign);

  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
                         credential_scope + ", SignedHeaders=" + signed_headers +
                         ", Signature=" + to_hex(signature.view());
  return result;
}

SigV4Result sign(SigningRequest& request, const Credentials& credentials,
                 const SigningScope& scope) {
  auto has = [&](std::string_view name) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const HttpHeader& h) { return lower(h.first) == name; });
  };
  if (!has("x-amz-date")) request.headers.emplace_back("X-Amz-Date", amz_date(scope.time));
  if (!credentials.session_token.empty() && !has("x-amz-security-token")) {
    request.headers.emplace_back("X-Amz-Security-Token",
                                 std::string(credentials.session_token.as_string()));
  }
  SigV4Result result = compute_signature(request, credentials, scope);
  request.headers.emplace_back("Authorization", result.authorization);
  return result;
}

}  // namespace signatory::aws
