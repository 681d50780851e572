// Request-target decoding (see http_target.h).
#include "server/http_target.h"

namespace signatory::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one query pair into query[n] (reusing its buffers); returns false to skip it.
bool decode_pair(std::string_view pair, HttpQuery& query, std::size_t n) {
  if (pair.find(';') != std::string_view::npos) return false;
  std::string_view key = pair;
  std::string_view value;
  if (auto eq = pair.find('='); eq != std::string_view::npos) {
    key = pair.substr(0, eq);
    value = pair.substr(eq + 1);
  }
  if (n == query.size()) query.emplace_back();
  return percent_decode(key, true, query[n].first) && percent_decode(value, true, query[n].second);
}

}  // namespace

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

bool parse_request_target(std::string_view target, std::string& path, HttpQuery& query) {
  if (target.empty()) return false;
  if (target == "*") {
    path.assign(1, '*');
    query.clear();
    return true;
  }
  if (target.front() != '/') {
    // Absolute form: scheme "://" authority path-abempty [ "?" query ].
    auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
    auto path_start = target.find_first_of("/?", scheme_end + 3);
    target = path_start == std::string_view::npos ? std::string_view() : target.substr(path_start);
  }
  std::string_view raw_query;
  bool has_query = false;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    raw_query = target.substr(q + 1);
    target = target.substr(0, q);
    has_query = true;
  }
  if (!percent_decode(target, false, path)) return false;

  std::size_t n = 0;
  if (has_query) {
    while (!raw_query.empty()) {
      auto amp = raw_query.find('&');
      std::string_view pair = raw_query.substr(0, amp);
      raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
      if (pair.empty()) continue;
      if (decode_pair(pair, query, n)) ++n;
    }
  }
  query.resize(n);
  return true;
}

}  // namespace signatory::server
