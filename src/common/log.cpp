// logrus-compatible log line rendering and the process-wide sink (see log.h).
#include "common/log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "common/error.h"

namespace signatory::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};
std::atomic<int> g_format{static_cast<int>(Format::Auto)};
std::mutex g_mutex;
const auto g_start = std::chrono::steady_clock::now();

const char* level_name(Level l) {
  switch (l) {
    case Level::Fatal: return "fatal";
    case Level::Error: return "error";
    case Level::Warn: return "warning";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
    case Level::Trace: return "trace";
  }
  return "info";
}

int level_color(Level l) {
  switch (l) {
    case Level::Debug:
    case Level::Trace: return 37;
    case Level::Warn: return 33;
    case Level::Error:
    case Level::Fatal: return 31;
    default: return 36;
  }
}

// logrus quotes a value unless every byte is alphanumeric or one of -._/@^+
bool needs_quoting(std::string_view s) {
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '/' || c == '@' ||
          c == '^' || c == '+'))
      return true;
  }
  return false;
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void append_value(std::string& out, std::string_view v) {
  if (needs_quoting(v) && !v.empty())
    append_quoted(out, v);
  else
    out += v;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  out += '"';
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  std::string s = buf;  // +0000 -> +00:00 ; logrus prints Z for UTC
  if (s.size() >= 5) {
    std::string off = s.substr(s.size() - 5);
    s.resize(s.size() - 5);
    s += off == "+0000" ? "Z" : off.substr(0, 3) + ":" + off.substr(3);
  }
  return s;
}

}  // namespace

Level parse_level(std::string_view name) {
  if (name == "error") return Level::Error;
  if (name == "warn" || name == "warning") return Level::Warn;
  if (name == "info") return Level::Info;
  if (name == "debug") return Level::Debug;
  if (name == "trace") return Level::Trace;
  if (name == "fatal") return Level::Fatal;
  throw bad_request("invalid log level `" + std::string(name) +
                    "': valid levels are error, warn, info, debug, trace");
}

void configure(Level level, Format format) {
  g_level = static_cast<int>(level);
  g_format = static_cast<int>(format);
}

bool enabled(Level level) { return static_cast<int>(level) <= g_level.load(); }

std::string format_line(Level level, std::string_view message, const Fields& fields,
                        Format format, double seconds, std::string_view time) {
  Fields sorted = fields;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  if (format == Format::Json) {
    out += '{';
    for (const auto& [k, v] : sorted) {
      append_json_string(out, k);
      out += ':';
      append_json_string(out, v);
      out += ',';
    }
    out += "\"level\":";
    append_json_string(out, level_name(level));
    out += ",\"msg\":";
    append_json_string(out, message);
    out += ",\"time\":";
    append_json_string(out, time);
    out += "}\n";
    return out;
  }
  if (format == Format::Logfmt) {
    out += "time=\"";
    out += time;
    out += "\" level=";
    out += level_name(level);
    out += " msg=";
    append_value(out, message);
    for (const auto& [k, v] : sorted) {
      out += ' ';
      out += k;
      out += '=';
      append_value(out, v);
    }
    out += '\n';
    return out;
  }
  // Text: the coloured terminal form.
  std::string upper = level_name(level);
  upper.resize(4);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  char head[64];
  int color = level_color(level);
  std::snprintf(head, sizeof head, "\x1b[%dm%s\x1b[0m[%04d] ", color, upper.c_str(),
                static_cast<int>(seconds));
  out += head;
  std::string msg(message);
  // logrus strips a trailing newline and pads the message to 44 columns when fields follow.
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (!sorted.empty() && msg.size() < 44) msg.resize(44, ' ');
  out += msg;
  for (const auto& [k, v] : sorted) {
    char kb[16];
    std::snprintf(kb, sizeof kb, " \x1b[%dm", color);
    out += kb;
    out += k;
    out += "\x1b[0m=";
    append_value(out, v);
  }
  out += '\n';
  return out;
}

void write(Level level, std::string_view message, const Fields& fields) {
  if (!enabled(level)) return;
  auto format = static_cast<Format>(g_format.load());
  if (format == Format::Auto) format = isatty(STDERR_FILENO) ? Format::Text : Format::Logfmt;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  std::string line = format_line(level, message, fields, format, secs, now_rfc3339());
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace signatory::log
