// logrus-compatible log line rendering and the process-wide sink (see log.h).
#include "common/log.h"

#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <shared_mutex>
#include <span>

#include "common/error.h"

namespace signatory::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};
std::atomic<int> g_format{static_cast<int>(Format::Auto)};
std::shared_mutex g_mutex;  // shared: lines ≤ PIPE_BUF; exclusive: longer lines
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

std::string format_rfc3339(std::time_t t) {
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

// The line time has a one-second resolution: each thread formats it once per second.
const std::string& now_rfc3339() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached_text;
  const std::time_t t = std::time(nullptr);
  if (t != cached_second) {
    cached_text = format_rfc3339(t);
    cached_second = t;
  }
  return cached_text;
}

// Format::Auto resolved once (isatty is a system call): Text on a terminal, else Logfmt.
Format resolved_format() {
  auto format = static_cast<Format>(g_format.load(std::memory_order_relaxed));
  if (format != Format::Auto) return format;
  static const Format automatic = isatty(STDERR_FILENO) ? Format::Text : Format::Logfmt;
  return automatic;
}

// Writes all of `text` to stderr; gives up (drops the rest) on an error other than EINTR or a
// stderr that stays unwritable for a second.
void write_all(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n > 0) {
      text.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{STDERR_FILENO, POLLOUT, 0};
      if (::poll(&p, 1, 1000) <= 0) return;
    } else {
      return;
    }
  }
}

// Lines held by this thread's LineBatch.
struct Batch {
  int depth = 0;
  std::string pending;
};
constexpr std::size_t kBatchLimit = 64 * 1024;  // written early past this size

Batch& this_thread_batch() {
  thread_local Batch batch;
  return batch;
}

void write_line(std::string_view line);
void flush_batch(Batch& batch);

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
  // Sorted views of the fields (no copies of the strings): a few pointers on the stack.
  using Field = Fields::value_type;
  std::array<const Field*, 16> small{};
  std::vector<const Field*> large;
  std::span<const Field*> sorted;
  if (fields.size() <= small.size()) {
    sorted = std::span<const Field*>(small.data(), fields.size());
  } else {
    large.resize(fields.size());
    sorted = large;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) sorted[i] = &fields[i];
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Field* a, const Field* b) { return a->first < b->first; });
  std::string out;
  out.reserve(160 + 48 * fields.size());
  if (format == Format::Json) {
    out += '{';
    for (const Field* f : sorted) {
      const auto& [k, v] = *f;
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
    for (const Field* f : sorted) {
      const auto& [k, v] = *f;
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
  for (const Field* f : sorted) {
    const auto& [k, v] = *f;
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
  const Format format = resolved_format();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  const std::string line = format_line(level, message, fields, format, secs, now_rfc3339());
  Batch& batch = this_thread_batch();
  if (batch.depth > 0) {
    batch.pending += line;
    if (level == Level::Fatal || batch.pending.size() >= kBatchLimit) flush_batch(batch);
    return;
  }
  write_line(line);
}

LineBatch::LineBatch() {
  ++this_thread_batch().depth;
}

LineBatch::~LineBatch() {
  Batch& batch = this_thread_batch();
  if (--batch.depth == 0) flush_batch(batch);
}

namespace {

void write_line(std::string_view line) {
  // One write(2) per line and no lock held across it for ordinary lines: the kernel keeps
  // concurrent writes whole for regular files (shared offset or O_APPEND), terminals and pipes
  // up to PIPE_BUF bytes. A longer line (a debug payload) holds the lock exclusively, so that a
  // pipe never gets it interleaved with other lines. (Holding one mutex across every write made
  // the request threads queue on it: a third of the signer's CPU went to that at 16
  // connections.)
  if (line.size() <= PIPE_BUF) {
    std::shared_lock lock(g_mutex);
    write_all(line);
  } else {
    std::unique_lock lock(g_mutex);
    write_all(line);
  }
}

void flush_batch(Batch& batch) {
  if (batch.pending.empty()) return;
  write_line(batch.pending);
  batch.pending.clear();  // keeps the capacity: no allocation per request…
  if (batch.pending.capacity() > 2 * kBatchLimit)
    std::string().swap(batch.pending);  // …within reason
}

}  // namespace

}  // namespace signatory::log
