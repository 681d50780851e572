// The `file` watermark backend: directory set-up, process lock, first-start migration from
// Signatory, and the table ↔ log wiring (see file_watermark.h).
#include "watermark/file/file_watermark.h"

#include <cerrno>
#include <filesystem>
#include <string_view>

#include "common/error.h"
#include "common/log.h"
#include "watermark/core/watermark_rule.h"
#include "watermark/file/mark_record.h"
#include "watermark/transfer/signatory_v2_import.h"

namespace signatory::watermark {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStoreDirName = "watermark_log";
constexpr const char* kLogFileName = "marks.log";
constexpr const char* kLockFileName = "LOCK";
constexpr const char* kCreatedFileName = "CREATED";
constexpr std::string_view kCreatedText =
    "This watermark store has a marks.log. If marks.log goes missing, the signer refuses to "
    "start: the marks in it would be lost (see docs/watermark-format.md, \"Damage\").\n";

std::string created_marker(const std::string& dir) {
  return dir + "/" + kCreatedFileName;
}

bool exists(FileEnv& env, const std::string& path) {
  FileIdentity id;
  const FileStatus s = env.identity(path, &id);
  if (s.ok()) return true;
  if (s.error == ENOENT) return false;
  throw internal_error("watermark store: cannot " + s.message);
}

void make_dir(FileEnv& env, const std::string& dir, mode_t mode) {
  const FileStatus s = env.create_dir(dir, mode);
  if (s.ok() || s.error == EEXIST) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return;
    throw internal_error("watermark store: " + dir + " exists and is not a directory");
  }
  throw internal_error("watermark store: cannot " + s.message);
}

std::unique_ptr<FileLock> lock_store(FileEnv& env, const std::string& dir) {
  std::unique_ptr<FileLock> lock;
  const FileStatus s = env.lock_file(dir + "/" + kLockFileName, &lock);
  if (s.error == EWOULDBLOCK) {
    throw internal_error("watermark store: " + dir +
                         " is in use by another signer (two signers must never share one "
                         "watermark store)");
  }
  if (!s.ok()) throw internal_error("watermark store: cannot " + s.message);
  return lock;
}

}  // namespace

std::string FileWatermark::store_dir(const std::string& base_dir) {
  return (fs::path(base_dir) / kStoreDirName).string();
}

std::string FileWatermark::log_path(const std::string& base_dir) {
  return (fs::path(base_dir) / kStoreDirName / kLogFileName).string();
}

FileWatermark::FileWatermark(const std::string& base_dir, FileWatermarkOptions options)
    : table_([this](const Slot& slot, const Mark& mark) { log_->append(slot, mark); }) {
  FileEnv& env = options.log.env ? *options.log.env : default_file_env();
  if (base_dir.empty()) throw internal_error("watermark store: base_dir is empty");
  {
    std::error_code ec;
    fs::create_directories(base_dir, ec);
    if (ec) {
      throw internal_error("watermark store: cannot create base directory " + base_dir + ": " +
                           ec.message());
    }
  }
  const std::string dir = store_dir(base_dir);
  const std::string path = log_path(base_dir);
  make_dir(env, dir, 0700);
  lock_ = lock_store(env, dir);
  try {
    (void)env.remove_file(path + ".tmp");  // an unfinished compaction: the real file is intact

    std::map<Slot, Mark> marks;
    const LogReading reading = options.repair ? LogReading::Salvage : LogReading::Strict;
    if (auto contents = read_mark_log(path, env, reading)) {
      marks = std::move(contents->marks);
      if (!contents->damage.empty()) {
        log::warn(
            "Watermark log damaged: the marks still readable are kept, the log is rewritten; "
            "the lost marks must be covered by floors or an import",
            {{"path", path},
             {"damage", contents->damage},
             {"marks", std::to_string(marks.size())}});
      }
      if (contents->torn_at) {
        log::warn(
            "Watermark log ends with an incomplete record (a write interrupted by a "
            "crash); it was never acknowledged and is ignored",
            {{"path", path}, {"offset", std::to_string(*contents->torn_at)}});
      }
      if (contents->format != kLogFormatVersion) {
        log::info("Watermark log converted to the current format",
                  {{"path", path},
                   {"from_format", std::to_string(contents->format)},
                   {"to_format", std::to_string(kLogFormatVersion)}});
      }
    } else if (exists(env, created_marker(dir))) {
      // The log was deleted (or lost) under a store that had one: its marks are gone.
      const std::string what =
          "the file is missing, although this store had one (" + created_marker(dir) + " exists)";
      if (!options.repair) throw internal_error(mark_log_damage_message(path, what));
      log::warn("Watermark log missing: a new one is written with the marks of this command",
                {{"path", path}});
    } else {
      const std::string v2 = (fs::path(base_dir) / kSignatoryV2DirName).string();
      std::error_code ec;
      if (fs::is_directory(v2, ec)) {
        for (const auto& [slot, mark] : read_signatory_v2_dir(v2)) {
          raise_mark(marks, slot, mark);
          log::info("Imported Signatory watermark",
                    {{"chain", slot.chain.to_base58()},
                     {"pkh", slot.pkh.to_base58()},
                     {"kind", std::string(tezos::request_kind_name(slot.kind))},
                     {"level", std::to_string(mark.level)},
                     {"round", std::to_string(mark.round)}});
        }
        log::info("Signatory watermarks migrated to the watermark log",
                  {{"from", v2}, {"to", path}, {"marks", std::to_string(marks.size())}});
      }
    }
    log_ = std::make_unique<MarkLog>(path, marks, std::move(options.log));
    // From now on a missing log is damage, not a first start (the marker is written only once
    // the log is durable; stores of earlier versions get it at their first start with this one).
    if (!exists(env, created_marker(dir))) {
      const ReplaceResult r = env.replace_file(created_marker(dir), as_view(kCreatedText), 0600);
      if (!r.ok()) throw internal_error("watermark store: cannot " + r.status.message);
    }
    for (const auto& [slot, mark] : marks) table_.load(slot, mark);
    log::debug("Watermark store opened", {{"path", path}, {"marks", std::to_string(marks.size())}});
  } catch (...) {
    lock_.reset();
    throw;
  }
}

FileWatermark::~FileWatermark() {
  log_.reset();
  lock_.reset();
}

tezos::Signature FileWatermark::guard(const Slot& slot, std::int32_t level, std::int32_t round,
                                      const crypto::Digest32& digest,
                                      const std::function<tezos::Signature()>& sign) {
  return table_.guard(slot, level, round, digest, sign);
}

std::vector<std::pair<Slot, Mark>> FileWatermark::marks() {
  return table_.marks();
}

RaiseResult FileWatermark::raise(const Slot& slot, const Mark& mark) {
  return table_.raise(slot, mark);
}

std::string FileWatermark::health() {
  return log_->health();
}

std::unique_ptr<Watermark> open_file_watermark(const std::string& base_dir,
                                               const WatermarkOptions&) {
  return std::make_unique<FileWatermark>(base_dir);
}

}  // namespace signatory::watermark
