// Response head serialisation (see http_response_head.h).
#include "server/http_response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "common/ascii.h"
#include "common/log.h"

namespace signatory::server {
namespace {

// RFC 7230 token characters.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_tchar(c)) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool framing_header(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection") || iequals(name, "Date") || iequals(name, "Content-Type");
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

bool status_has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

std::string_view http_date_now() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[32];
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    cached_second = now;
  }
  return std::string_view(text, 29);
}

void write_response_head(std::string& out, const HttpResponse& response, std::size_t body_size,
                         ConnectionHeader connection) {
  namespace http = boost::beast::http;
  out.clear();
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(response.status));
  out += ' ';
  auto reason = http::obsolete_reason(static_cast<http::status>(response.status));
  if (reason.empty() || reason.front() == '<') reason = "Unknown";
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  if (!response.content_type.empty() && valid_header("Content-Type", response.content_type)) {
    append_header(out, "Content-Type", response.content_type);
  }
  if (response.status != 204 && response.status >= 200) {
    out.append("Content-Length: ");
    append_number(out, body_size);
    out.append("\r\n");
  }
  append_header(out, "Date", http_date_now());
  if (connection == ConnectionHeader::Close) {
    out.append("Connection: close\r\n");
  } else if (connection == ConnectionHeader::KeepAlive) {
    out.append("Connection: keep-alive\r\n");
  }
  for (const auto& [name, value] : response.headers) {
    if (framing_header(name)) continue;
    if (!valid_header(name, value)) {
      log::warn("Dropping an invalid HTTP response header set by the handler",
                {{"header", std::string(name.substr(0, 64))}});
      continue;
    }
    append_header(out, name, value);
  }
  out.append("\r\n");
}

}  // namespace signatory::server
