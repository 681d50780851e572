// The crash-safe append-only watermark log (see mark_log.h and docs/watermark-format.md).
#include "watermark/file/mark_log.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "watermark/core/watermark_rule.h"
#include "watermark/file/mark_record.h"

namespace signatory::watermark {
namespace {

bool all_zero(ByteView bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

std::string at(std::uint64_t offset) {
  return " at offset " + std::to_string(offset);
}

}  // namespace

std::string mark_log_damage_message(const std::string& path, const std::string& what) {
  return "watermark store: " + path + ": " + what +
         "; an acknowledged high-water mark may be lost, so the signer refuses to start rather "
         "than risk a double signature. The way out, with the signer stopped: "
         "`signatory-cli watermark set-floor --pkh <tz…> --chain <Net…> --level <a level at or "
         "above the highest this signer may have signed>` for every key and chain it signs "
         "for, or `signatory-cli watermark import <an export of the marks>`; either command "
         "keeps the marks still readable and rewrites the log (see docs/watermark-format.md, "
         "\"Damage\")";
}

namespace {

// Collects damage: throws in strict reading; records it (the first one) when salvaging.
class DamageReport {
 public:
  DamageReport(const std::string& path, LogReading reading, MarkLogContents& out)
      : path_(path), reading_(reading), out_(out) {}
  void operator()(const std::string& what) {
    if (reading_ == LogReading::Strict) throw internal_error(mark_log_damage_message(path_, what));
    if (out_.damage.empty()) out_.damage = what;
  }

 private:
  const std::string& path_;
  LogReading reading_;
  MarkLogContents& out_;
};

// Adds a record's mark: records of a slot only ever go up; keep the highest in case of doubt.
// A later record at the same (level, round) is the same request signed after an import stored
// it without a signature: it replaces the earlier one.
void add_mark(MarkLogContents& out, const Slot& slot, const Mark& mark) {
  if (raise_mark(out.marks, slot, mark).outcome == RaiseOutcome::Equal) out.marks[slot] = mark;
  ++out.records;
}

// Format 1 (docs/watermark-format.md, "Format 1"): records until the first all-zero one; a
// bad last record is taken for a torn write. It cannot tell the loss of an acknowledged last
// record from a torn write: that is why format 2 exists.
void read_format_1(ByteView all, const LogHeaderInfo& info, DamageReport& damage,
                   MarkLogContents& out) {
  std::uint64_t pos = info.size;
  for (; pos < all.size(); pos += kLogRecordSize) {
    const ByteView rest = all.subspan(pos);
    if (rest.size() < kLogRecordSize) {
      // A record cut short by the end of the file: only an interrupted write makes one.
      if (!all_zero(rest)) out.torn_at = pos;
      break;
    }
    const ByteView record = rest.first(kLogRecordSize);
    const RecordState state = classify_log_record(record);
    if (state == RecordState::Empty) {
      if (all_zero(rest)) break;
      damage("data after the end of the log (zeroed record" + at(pos) + ")");
      continue;  // salvaging: the records after it still count
    }
    if (state == RecordState::BadChecksum) {
      if (!all_zero(rest.subspan(kLogRecordSize))) {
        damage("record" + at(pos) + " is damaged (checksum mismatch) and is not the last one");
        continue;  // salvaging: the records after it still count
      }
      out.torn_at = pos;  // the last record, interrupted by a crash: it was never acknowledged
      break;
    }
    try {
      const LogSlot s = decode_log_slot(record, 1);
      add_mark(out, s.slot, s.mark);
    } catch (const Error& e) {
      damage("record" + at(pos) + ": " + e.what());
    }
  }
}

// Format 2: records 1..N at slots 0..N-1, each carrying its number, then the commit counting
// N. A crash during an append changes only the slots from the commit on (the new records
// overwrite the old commit, the new commit lands after them), so the records before the
// first bad slot are all there is to load when no valid commit further on claims more.
void read_format_2(ByteView all, const LogHeaderInfo& info, DamageReport& damage,
                   MarkLogContents& out) {
  const std::uint64_t size = all.size();
  if (size != info.file_size) {
    damage("the file is " + std::to_string(size) + " bytes, but it was written with " +
           std::to_string(info.file_size) + ": truncated or extended" +
           at(std::min(size, info.file_size)));
  }
  if ((size - kLogHeaderSize) % kLogRecordSize != 0) {
    damage("the file ends inside a record" + at(size - (size - kLogHeaderSize) % kLogRecordSize));
  }
  const std::uint64_t slots = (size - kLogHeaderSize) / kLogRecordSize;
  auto offset_of = [](std::uint64_t i) { return kLogHeaderSize + i * kLogRecordSize; };
  auto slot_bytes = [&](std::uint64_t i) { return all.subspan(offset_of(i), kLogRecordSize); };
  // A valid slot decoded, or nullopt (bad checksum, empty, or a value never written).
  auto decode = [&](std::uint64_t i) -> std::optional<LogSlot> {
    if (classify_log_record(slot_bytes(i)) != RecordState::Valid) return std::nullopt;
    try {
      return decode_log_slot(slot_bytes(i), 2);
    } catch (const Error&) {
      return std::nullopt;
    }
  };

  std::uint64_t p = 0;
  for (; p < slots; ++p) {
    const auto s = decode(p);
    if (!s || s->commit || s->seq != p + 1) break;
    add_mark(out, s->slot, s->mark);
  }
  // The end of the records: the commit, or a write a crash interrupted.
  if (p == slots) {
    damage("no commit after the last record (the file ends" + at(size) + ")");
    return;
  }
  const ByteView end = slot_bytes(p);
  const auto s = decode(p);
  if (s && s->commit && s->seq == p) {
    // Clean end. Whatever follows was never acknowledged (an append interrupted before it
    // reached the commit's slot); normally it is all zero.
    for (std::uint64_t i = p + 1; i < slots; ++i) {
      if (!all_zero(slot_bytes(i))) {
        out.torn_at = offset_of(i);
        break;
      }
    }
    return;
  }
  // A valid commit further on that counts more records than were read: they were acknowledged.
  std::optional<std::uint64_t> later_commit;
  std::uint32_t claimed = 0;
  for (std::uint64_t i = p + 1; i < slots; ++i) {
    if (const auto c = decode(i); c && c->commit && c->seq > p) {
      later_commit = i;
      claimed = c->seq;
      break;
    }
  }
  std::string what;
  if (s && s->commit) {
    what = "the commit" + at(offset_of(p)) + " counts " + std::to_string(s->seq) + " records but " +
           std::to_string(p) + " precede it";
  } else if (s) {
    what = "the record" + at(offset_of(p)) + " has sequence number " + std::to_string(s->seq) +
           " instead of " + std::to_string(p + 1);
  } else if (classify_log_record(end) == RecordState::Empty && (p == 0 || later_commit)) {
    // Slot 0 always holds the first record or the commit; a zeroed slot before a commit that
    // counts it is an acknowledged record gone.
    what = "the record" + at(offset_of(p)) + " is missing (zeroed)";
  } else if (later_commit) {
    what = "the record" + at(offset_of(p)) + " is damaged (checksum mismatch or invalid field)";
  } else {
    // Torn: the old commit being overwritten by a new record when the process or the machine
    // stopped, or the new commit's slot not written yet after a whole record; no commit further
    // on counts more records, so nothing from here on was acknowledged.
    out.torn_at = offset_of(p);
    return;
  }
  if (later_commit) {
    what += "; the commit" + at(offset_of(*later_commit)) + " says " + std::to_string(claimed) +
            " records were made durable";
  }
  damage(what);
  // Salvaging: every other readable record counts (higher marks are the safe side).
  for (std::uint64_t i = p + 1; i < slots; ++i) {
    if (const auto r = decode(i); r && !r->commit) add_mark(out, r->slot, r->mark);
  }
}

}  // namespace

std::optional<MarkLogContents> read_mark_log(const std::string& path, FileEnv& env,
                                             LogReading reading) {
  Bytes data;
  if (FileStatus s = env.read_file(path, &data); !s.ok()) {
    if (s.error == ENOENT) return std::nullopt;
    throw internal_error("watermark store: cannot " + s.message);
  }
  MarkLogContents out;
  DamageReport damage(path, reading, out);
  const ByteView all(data);
  LogHeaderInfo info;
  if (std::string why = check_log_header(all, &info); !why.empty()) {
    damage("the header at offset 0 is bad (" + why + "; the file is " +
           std::to_string(all.size()) + " bytes)");
    return out;
  }
  out.format = info.version;
  if (info.version == 1) {
    read_format_1(all, info, damage, out);
  } else {
    read_format_2(all, info, damage, out);
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

// Writes header + live records + commit + zeroed space to `<path>.tmp`, fsyncs it, renames it over
// `path` and fsyncs the directory (FileEnv::replace_file). Before the rename the old file is
// untouched; after it the new one is complete on disk. Throws Error(503) and leaves the current
// file in use if the new one cannot be written; if the directory sync fails the rename may not
// survive a crash, so the log is poisoned.
void MarkLog::compact_locked() {
  const std::uint64_t live = marks_.size();
  const std::uint64_t capacity =
      live + 1 + std::max<std::uint64_t>(options_.preallocate_records, live);
  if (capacity > std::numeric_limits<std::uint32_t>::max()) {
    throw unavailable("watermark store: cannot persist mark: too many marks for one log");
  }
  const std::uint64_t file_size = kLogHeaderSize + capacity * kLogRecordSize;
  Bytes image(file_size, 0);
  const LogHeader header = encode_log_header(file_size);
  std::copy(header.begin(), header.end(), image.begin());
  std::uint64_t pos = kLogHeaderSize;
  std::uint32_t seq = 0;
  auto put = [&](const LogRecord& r) {
    std::copy(r.begin(), r.end(), image.begin() + static_cast<std::ptrdiff_t>(pos));
    pos += kLogRecordSize;
  };
  for (const auto& [slot, mark] : marks_) put(encode_log_record(slot, mark, ++seq));
  put(encode_log_commit(seq));

  std::unique_ptr<File> file;
  ReplaceResult r = env_.replace_file(path_, image, 0600, &file);
  if (!r.in_place) {
    last_write_error_ = r.status.message;
    throw unavailable("watermark store: cannot persist mark: " + last_write_error_);
  }
  file_ = std::move(file);
  records_ = live;
  capacity_ = capacity;
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
  if (records_ + 2 > capacity_) compact_locked();  // room for the record and the new commit

  // The record over the current commit, the new commit after it: one write, one sync.
  const std::uint32_t seq = static_cast<std::uint32_t>(records_ + 1);
  const LogRecord record = encode_log_record(slot, mark, seq);
  const LogRecord commit = encode_log_commit(seq);
  std::array<std::uint8_t, 2 * kLogRecordSize> both;
  std::copy(record.begin(), record.end(), both.begin());
  std::copy(commit.begin(), commit.end(), both.begin() + kLogRecordSize);
  const std::uint64_t offset = kLogHeaderSize + records_ * kLogRecordSize;
  if (FileStatus s = file_->write_all(offset, both); !s.ok()) {
    // Nothing was acknowledged; the next append overwrites whatever reached the file (until
    // then a crash leaves a torn end, which is read as such).
    last_write_error_ = s.message;
    throw unavailable("watermark store: cannot persist mark: " + last_write_error_);
  }
  if (FileStatus s = file_->sync_data(); !s.ok()) {
    poisoned_ = "fdatasync of " + path_ + " failed: " + std::strerror(s.error);
    throw unavailable("watermark store: cannot persist mark: " + poisoned_ +
                      " (restart the signer)");
  }
  ++records_;
  marks_[slot] = mark;
  last_write_error_.clear();
}

std::string MarkLog::health() const {
  {
    std::lock_guard lock(mutex_);
    if (!poisoned_.empty()) return poisoned_ + " (restart the signer)";
    if (std::string why = identity_problem_locked(); !why.empty()) return why;
    if (!last_write_error_.empty()) return "the last write failed: " + last_write_error_;
  }
  return directory_problem();
}

// Appends write in place, but compaction (and the next start) replaces the file: a directory
// where no file can be created (read-only mount, permissions) cannot keep taking marks. Probed
// by creating and removing a file next to the log, through the FileEnv (outside the mutex: it
// touches no file the log uses). Probes are serialised among themselves: two at once would
// find each other's file and report a healthy directory as broken.
std::string MarkLog::directory_problem() const {
  std::lock_guard lock(probe_mutex_);
  const std::string probe = path_ + ".probe";
  (void)env_.remove_file(probe);  // a stale probe from a crash
  std::unique_ptr<File> file;
  if (FileStatus s = env_.create_file(probe, 0600, &file); !s.ok())
    return "cannot create files next to the log (compaction would fail): " + s.message;
  file.reset();
  if (FileStatus s = env_.remove_file(probe); !s.ok())
    return "cannot remove files next to the log: " + s.message;
  return {};
}

}  // namespace signatory::watermark
