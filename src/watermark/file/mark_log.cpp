// The crash-safe append-only watermark log (see mark_log.h and docs/watermark-format.md).
#include "watermark/file/mark_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "watermark/core/watermark_rule.h"
#include "watermark/file/mark_record.h"

namespace signatory::watermark {
namespace {

bool all_zero(ByteView bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

Error corrupt(const std::string& path, const std::string& what) {
  return internal_error("watermark store: " + path + ": " + what +
                        "; refusing to start rather than risk lowering a high-water mark "
                        "(move the file away and restore the marks from a backup or with "
                        "`watermark import`)");
}

}  // namespace

std::optional<MarkLogContents> read_mark_log(const std::string& path, FileEnv& env) {
  Bytes data;
  if (FileStatus s = env.read_file(path, &data); !s.ok()) {
    if (s.error == ENOENT) return std::nullopt;
    throw internal_error("watermark store: cannot " + s.message);
  }

  const ByteView all(data);
  if (std::string why = check_log_header(all); !why.empty()) throw corrupt(path, why);

  MarkLogContents out;
  std::uint64_t pos = kLogHeaderSize;
  for (; pos < data.size(); pos += kLogRecordSize) {
    const ByteView rest = all.subspan(pos);
    if (rest.size() < kLogRecordSize) {
      // A record cut short by the end of the file: only an interrupted write makes one.
      if (!all_zero(rest)) out.torn_at = pos;
      break;
    }
    const ByteView record = rest.first(kLogRecordSize);
    const RecordState state = classify_log_record(record);
    if (state == RecordState::Empty) {
      if (!all_zero(rest)) {
        throw corrupt(path, "data after the end of the log (zeroed record at offset " +
                                std::to_string(pos) + ")");
      }
      break;
    }
    if (state == RecordState::BadChecksum) {
      if (!all_zero(rest.subspan(kLogRecordSize))) {
        throw corrupt(path, "record at offset " + std::to_string(pos) +
                                " is damaged (checksum mismatch) and is not the last one");
      }
      out.torn_at = pos;  // the last record, interrupted by a crash: it was never acknowledged
      break;
    }
    std::pair<Slot, Mark> decoded;
    try {
      decoded = decode_log_record(record);
    } catch (const Error& e) {
      throw corrupt(path, "record at offset " + std::to_string(pos) + ": " + e.what());
    }
    // Records of a slot only ever go up; keep the highest in case of doubt. A later record at
    // the same (level, round) is the same request signed after an import stored it without a
    // signature: it replaces the earlier one.
    const auto& [slot, mark] = decoded;
    if (raise_mark(out.marks, slot, mark).outcome == RaiseOutcome::Equal) out.marks[slot] = mark;
    ++out.records;
  }
  return out;
}

MarkLog::MarkLog(std::string path, const std::map<Slot, Mark>& marks, MarkLogOptions options)
    : path_(std::move(path)),
      options_(std::move(options)),
      env_(options_.env ? *options_.env : default_file_env()),
      marks_(marks) {
  std::lock_guard lock(mutex_);
  try {
    compact_locked();
  } catch (const Error&) {
    file_.reset();
    throw internal_error("watermark store: cannot create " + path_ + ": " +
                         (poisoned_.empty() ? last_write_error_ : poisoned_));
  }
}

MarkLog::~MarkLog() = default;

std::size_t MarkLog::compactions() const {
  std::lock_guard lock(mutex_);
  return compactions_;
}

// Writes header + live records + zeroed space to `<path>.tmp`, fsyncs it, renames it over
// `path` and fsyncs the directory (FileEnv::replace_file). Before the rename the old file is
// untouched; after it the new one is complete on disk. Throws Error(503) and leaves the current
// file in use if the new one cannot be written; if the directory sync fails the rename may not
// survive a crash, so the log is poisoned.
void MarkLog::compact_locked() {
  const std::size_t spare = std::max(options_.preallocate_records, marks_.size());
  const std::uint64_t used = kLogHeaderSize + marks_.size() * kLogRecordSize;
  Bytes image(used + spare * kLogRecordSize, 0);
  const LogHeader header = encode_log_header();
  std::copy(header.begin(), header.end(), image.begin());
  std::uint64_t pos = kLogHeaderSize;
  for (const auto& [slot, mark] : marks_) {
    const LogRecord r = encode_log_record(slot, mark);
    std::copy(r.begin(), r.end(), image.begin() + static_cast<std::ptrdiff_t>(pos));
    pos += kLogRecordSize;
  }

  std::unique_ptr<File> file;
  ReplaceResult r = env_.replace_file(path_, image, 0600, &file);
  if (!r.in_place) {
    last_write_error_ = r.status.message;
    throw unavailable("watermark store: cannot persist mark: " + last_write_error_);
  }
  file_ = std::move(file);
  next_offset_ = used;
  end_offset_ = image.size();
  ++compactions_;
  if (!r.ok()) {
    poisoned_ = r.status.message;
    throw unavailable("watermark store: cannot persist mark: " + poisoned_);
  }
}

std::string MarkLog::identity_problem_locked() const {
  if (!file_) return "the log file is not open";
  FileIdentity open_file, named_file;
  if (FileStatus s = file_->identity(&open_file); !s.ok()) return s.message;
  if (FileStatus s = env_.identity(path_, &named_file); !s.ok()) {
    return path_ + " was removed while the signer was running: " + std::strerror(s.error);
  }
  if (open_file != named_file) return path_ + " was replaced while the signer was running";
  return {};
}

void MarkLog::append(const Slot& slot, const Mark& mark) {
  std::lock_guard lock(mutex_);
  if (!poisoned_.empty()) {
    throw unavailable("watermark store: cannot persist mark: " + poisoned_ +
                      " (restart the signer)");
  }
  if (std::string why = identity_problem_locked(); !why.empty()) {
    poisoned_ = why;
    throw unavailable("watermark store: cannot persist mark: " + why + " (restart the signer)");
  }
  if (next_offset_ + kLogRecordSize > end_offset_) compact_locked();

  const LogRecord record = encode_log_record(slot, mark);
  if (FileStatus s = file_->write_all(next_offset_, record); !s.ok()) {
    // Nothing was acknowledged; the next append overwrites whatever reached the file.
    last_write_error_ = s.message;
    throw unavailable("watermark store: cannot persist mark: " + last_write_error_);
  }
  if (FileStatus s = file_->sync_data(); !s.ok()) {
    poisoned_ = "fdatasync of " + path_ + " failed: " + std::strerror(s.error);
    throw unavailable("watermark store: cannot persist mark: " + poisoned_ +
                      " (restart the signer)");
  }
  next_offset_ += kLogRecordSize;
  marks_[slot] = mark;
  last_write_error_.clear();
}

std::string MarkLog::health() const {
  std::lock_guard lock(mutex_);
  if (!poisoned_.empty()) return poisoned_ + " (restart the signer)";
  if (std::string why = identity_problem_locked(); !why.empty()) return why;
  if (!last_write_error_.empty()) return "the last write failed: " + last_write_error_;
  return {};
}

}  // namespace signatory::watermark
