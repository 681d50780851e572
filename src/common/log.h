// Process-wide logger in the style of logrus, which Signatory's users already read: on a
// terminal `INFO[0000] Initializing vault                            vault=file vault_name=local`
// (coloured), otherwise logfmt lines `time="…" level=info msg="…" k=v`, or JSON with
// --json-log. Lines go to stderr; fields are sorted by key. Thread-safe: each line is written
// whole, with one write(2), and lines never interleave (see write()). Never pass secret
// material as a message or field.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signatory::log {

enum class Level { Fatal = 0, Error, Warn, Info, Debug, Trace };
enum class Format { Auto, Text, Logfmt, Json };

using Fields = std::vector<std::pair<std::string, std::string>>;

// Throws Error(BadRequest) for a name other than error|warn|info|debug|trace (or warning/fatal).
Level parse_level(std::string_view name);
void configure(Level level, Format format);
bool enabled(Level level);

void write(Level level, std::string_view message, const Fields& fields = {});

inline void error(std::string_view m, const Fields& f = {}) { write(Level::Error, m, f); }
inline void warn(std::string_view m, const Fields& f = {}) { write(Level::Warn, m, f); }
inline void info(std::string_view m, const Fields& f = {}) { write(Level::Info, m, f); }
inline void debug(std::string_view m, const Fields& f = {}) { write(Level::Debug, m, f); }
inline void trace(std::string_view m, const Fields& f = {}) { write(Level::Trace, m, f); }

// While a LineBatch lives, the lines this thread writes are kept and then written together, with
// one write(2), when it is destroyed: the HTTP server holds one around each request's handler,
// so that the three lines of a sign request (request, result, access) cost one system call
// instead of three. They reach stderr before the response is sent. The price: a line waits for
// the end of its request (at most the request's duration), and a crash in the middle of a
// request loses that request's lines. Fatal lines are never held; nothing else changes (levels,
// order within the thread, whole lines). Nested batches join the outermost one. Not copyable;
// create and destroy it on the same thread.
class LineBatch {
 public:
  LineBatch();
  ~LineBatch();
  LineBatch(const LineBatch&) = delete;
  LineBatch& operator=(const LineBatch&) = delete;
};

// Renders one line without writing it (used by tests and by write()).
std::string format_line(Level level, std::string_view message, const Fields& fields,
                        Format format, double seconds_since_start, std::string_view rfc3339_time);

}  // namespace signatory::log
