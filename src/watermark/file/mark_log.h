// The append-only, checksummed log file behind the `file` watermark backend
// (docs/watermark-format.md, format 2). `read_mark_log` loads it: a write interrupted by a
// crash (never acknowledged) is ignored, while any truncation, zeroing or damage of a record
// that was acknowledged — the header records the file's size, records carry sequence numbers,
// and a commit after the last durable record counts them — refuses the start (Error 500, one
// message naming the file, the offset and the way out). Logs of format 1 are still read (with
// that format's weaker checks) and rewritten in format 2.
//
// A `MarkLog` owns the file while the signer runs: it starts by rewriting it compacted (new
// file, fsync, rename, fsync of the directory), keeps zeroed space after the commit so that
// each `append` is one pwrite (the record and the new commit, over the old commit) into
// already-allocated blocks plus one fdatasync, and compacts again when that space is used up.
// `append` returns only once the record is durable; on failure it throws Error(503) and the
// record must be treated as not written. After a failed fdatasync the log refuses every
// further append until the signer restarts (the kernel may have dropped the unwritten pages,
// so a later fdatasync could succeed without the data being on disk). Every disk access goes
// through a FileEnv (common/file_env.h), which tests replace by one that fails.
//
// Thread-safe: appends, compaction and health checks are serialised by one mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/file_env.h"
#include "watermark/core/watermark.h"

namespace signatory::watermark {

struct MarkLogOptions {
  // Zeroed records kept after the live ones at each compaction (at least as many as there
  // are live marks, so compaction cost stays proportional to appends).
  std::size_t preallocate_records = 4096;
  // The file system; must outlive the log. nullptr: default_file_env().
  FileEnv* env = nullptr;
};

struct MarkLogContents {
  std::map<Slot, Mark> marks;            // the highest mark of every slot
  std::size_t records = 0;               // valid records read
  std::uint32_t format = 0;              // format version of the file (1 or 2)
  std::optional<std::uint64_t> torn_at;  // offset of an ignored interrupted (torn) write
  std::string damage;                    // LogReading::Salvage: what is damaged, if anything
};

enum class LogReading {
  Strict,   // damage throws (the signer refuses to start)
  Salvage,  // damage is described in `damage`; every readable record is kept (repairs)
};

// The one message of a damaged or missing log: "watermark store: <path>: <what>", why the
// signer refuses to start, and the way out (set-floor or import).
std::string mark_log_damage_message(const std::string& path, const std::string& what);

// Reads the log at `path`; std::nullopt if the file does not exist. Strict: throws Error(500)
// naming the file, the offset and the way out when the header is bad, the file was truncated,
// an acknowledged record is missing or damaged, or a record holds values this version never
// writes.
std::optional<MarkLogContents> read_mark_log(const std::string& path,
                                             FileEnv& env = default_file_env(),
                                             LogReading reading = LogReading::Strict);

class MarkLog {
 public:
  // Writes a fresh log at `path` holding `marks` (crash-safe replacement of any existing
  // file) and opens it for appending. Throws Error(500) if it cannot.
  MarkLog(std::string path, const std::map<Slot, Mark>& marks, MarkLogOptions options = {});
  ~MarkLog();
  MarkLog(const MarkLog&) = delete;
  MarkLog& operator=(const MarkLog&) = delete;

  // Appends the new mark of `slot`; returns once it is on disk. Throws Error(503)
  // "watermark store: cannot persist mark: …" otherwise.
  void append(const Slot& slot, const Mark& mark);

  // Empty when appends can succeed; else why not (failed sync, file removed or replaced, the
  // last write failed, no file can be created in its directory), without a "watermark store:"
  // prefix (the caller adds it).
  std::string health() const;

  const std::string& path() const { return path_; }
  std::size_t compactions() const;  // rewrites since construction, the first one included

 private:
  void compact_locked();
  std::string identity_problem_locked() const;
  std::string directory_problem() const;

  std::string path_;
  MarkLogOptions options_;
  FileEnv& env_;
  mutable std::mutex mutex_;
  mutable std::mutex probe_mutex_;  // one directory probe at a time (concurrent /healthz)
  std::unique_ptr<File> file_;
  std::uint64_t records_ = 0;     // records in the file; the commit is at this position
  std::uint64_t capacity_ = 0;    // slots in the file (records, commit and zeroed space)
  std::map<Slot, Mark> marks_;    // durable marks, the source of each compaction
  std::string poisoned_;          // why appends are refused, if they are
  std::string last_write_error_;  // the last append's write failure, until one succeeds
  std::size_t compactions_ = 0;
};

}  // namespace signatory::watermark
