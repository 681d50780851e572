// The crash-safe append-only watermark log (see mark_log.h and docs/watermark-format.md).
#include "watermark/mark_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "watermark/mark_record.h"
#include "watermark/watermark_rule.h"

namespace signatory::watermark {
namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// Result of a system call wrapper: 0 or an errno.
int injected(const std::shared_ptr<LogFaults>& faults, bool sync) {
  if (!faults) return 0;
  return sync ? faults->sync_errno.load() : faults->write_errno.load();
}

int write_all(int fd, ByteView data, std::uint64_t offset,
              const std::shared_ptr<LogFaults>& faults) {
  if (int e = injected(faults, false)) return e;
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

int data_sync(int fd, const std::shared_ptr<LogFaults>& faults) {
  if (int e = injected(faults, true)) return e;
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int full_sync(int fd, const std::shared_ptr<LogFaults>& faults) {
  if (int e = injected(faults, true)) return e;
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

int sync_dir(const std::string& dir, const std::shared_ptr<LogFaults>& faults) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = full_sync(fd, faults);
  ::close(fd);
  return e;
}

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

std::optional<MarkLogContents> read_mark_log(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    const int e = errno;
    throw internal_error("watermark store: cannot open " + path + ": " + errno_text(e));
  }
  Bytes data;
  std::uint8_t chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw internal_error("watermark store: cannot read " + path + ": " + errno_text(e));
    }
    if (n == 0) break;
    data.insert(data.end(), chunk, chunk + n);
  }
  ::close(fd);

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
    auto [it, inserted] = out.marks.try_emplace(decoded.first, decoded.second);
    // Records of a slot only ever go up; keep the highest in case of doubt.
    if (!inserted && !above(it->second.level, it->second.round, decoded.second)) {
      it->second = decoded.second;
    }
    ++out.records;
  }
  return out;
}

MarkLog::MarkLog(std::string path, const std::map<Slot, Mark>& marks, MarkLogOptions options)
    : path_(std::move(path)), options_(std::move(options)), marks_(marks) {
  std::lock_guard lock(mutex_);
  try {
    compact_locked();
  } catch (const Error&) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw internal_error("watermark store: cannot create " + path_ + ": " +
                         (poisoned_.empty() ? last_write_error_ : poisoned_));
  }
}

MarkLog::~MarkLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t MarkLog::compactions() const {
  std::lock_guard lock(mutex_);
  return compactions_;
}

// Writes header + live records + zeroed space to `<path>.tmp`, fsyncs it, renames it over
// `path` and fsyncs the directory. Before the rename the old file is untouched; after it the
// new one is complete on disk. Throws Error(503) and leaves the current file in use if the
// new one cannot be written; if the directory sync fails the rename may not survive a crash,
// so the log is poisoned.
void MarkLog::compact_locked() {
  const std::string tmp = path_ + ".tmp";
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

  auto fail = [&](const std::string& step, int err) {
    last_write_error_ = step + " " + tmp + ": " + errno_text(err);
    throw unavailable("watermark store: cannot persist mark: " + last_write_error_);
  };
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    fail("create", e);
  }
  if (int e = write_all(fd, image, 0, options_.faults)) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail("write", e);
  }
  if (int e = full_sync(fd, options_.faults)) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail("fsync", e);
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail("rename", e);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  next_offset_ = used;
  end_offset_ = image.size();
  ++compactions_;
  if (int e = sync_dir(parent_dir(path_), options_.faults)) {
    poisoned_ = "fsync of directory " + parent_dir(path_) + " failed: " + errno_text(e);
    throw unavailable("watermark store: cannot persist mark: " + poisoned_);
  }
}

// Asks only for the inode number (statx, STATX_INO; the device is always filled in): a stat()
// that returns the times marks them as read, and then the kernel (multigrain timestamps, Linux
// 6.13+) gives the next write a fine-grained, always new, mtime — which dirties the inode, so
// that every fdatasync of the log also wrote its inode block (about 100 µs more per mark on
// the benchmark machine).
std::string MarkLog::identity_problem_locked() const {
  if (fd_ < 0) return "the log file is not open";
  struct statx open_file = {};
  struct statx named_file = {};
  if (::statx(fd_, "", AT_EMPTY_PATH, STATX_INO, &open_file) != 0) {
    const int e = errno;
    return "fstat of " + path_ + ": " + errno_text(e);
  }
  if (::statx(AT_FDCWD, path_.c_str(), 0, STATX_INO, &named_file) != 0) {
    const int e = errno;
    return path_ + " was removed while the signer was running: " + errno_text(e);
  }
  if (open_file.stx_dev_major != named_file.stx_dev_major ||
      open_file.stx_dev_minor != named_file.stx_dev_minor ||
      open_file.stx_ino != named_file.stx_ino) {
    return path_ + " was replaced while the signer was running";
  }
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
  if (int e = write_all(fd_, record, next_offset_, options_.faults)) {
    // Nothing was acknowledged; the next append overwrites whatever reached the file.
    last_write_error_ = "write " + path_ + ": " + errno_text(e);
    throw unavailable("watermark store: cannot persist mark: " + last_write_error_);
  }
  if (int e = data_sync(fd_, options_.faults)) {
    poisoned_ = "fdatasync of " + path_ + " failed: " + errno_text(e);
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
