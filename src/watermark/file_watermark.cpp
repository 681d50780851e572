// The `file` watermark backend: directory set-up, process lock, first-start migration from
// Signatory, and the table ↔ log wiring (see file_watermark.h).
#include "watermark/file_watermark.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "common/log.h"
#include "watermark/signatory_v2_import.h"
#include "watermark/watermark_rule.h"

namespace signatory::watermark {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStoreDirName = "watermark_log";
constexpr const char* kLogFileName = "marks.log";
constexpr const char* kLockFileName = "LOCK";

void make_dir(const std::string& dir, mode_t mode) {
  const int e = ::mkdir(dir.c_str(), mode) == 0 ? 0 : errno;
  if (e == 0 || e == EEXIST) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return;
    throw internal_error("watermark store: " + dir + " exists and is not a directory");
  }
  throw internal_error("watermark store: cannot create directory " + dir + ": " + std::strerror(e));
}

int lock_store(const std::string& dir) {
  const std::string path = dir + "/" + kLockFileName;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    throw internal_error("watermark store: cannot open " + path + ": " + std::strerror(e));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK) {
      throw internal_error("watermark store: " + dir +
                           " is in use by another signer (two signers must never share one "
                           "watermark store)");
    }
    throw internal_error("watermark store: cannot lock " + path + ": " + std::strerror(e));
  }
  return fd;
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
  make_dir(dir, 0700);
  lock_fd_ = lock_store(dir);
  try {
    ::unlink((path + ".tmp").c_str());  // an unfinished compaction: the real file is intact

    std::map<Slot, Mark> marks;
    if (auto contents = read_mark_log(path)) {
      marks = std::move(contents->marks);
      if (contents->torn_at) {
        log::warn(
            "Watermark log ends with an incomplete record (a write interrupted by a "
            "crash); it was never acknowledged and is ignored",
            {{"path", path}, {"offset", std::to_string(*contents->torn_at)}});
      }
    } else {
      const std::string v2 = (fs::path(base_dir) / kSignatoryV2DirName).string();
      std::error_code ec;
      if (fs::is_directory(v2, ec)) {
        for (const auto& [slot, mark] : read_signatory_v2_dir(v2)) {
          auto [it, inserted] = marks.try_emplace(slot, mark);
          if (!inserted && above(mark.level, mark.round, it->second)) it->second = mark;
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
    for (const auto& [slot, mark] : marks) table_.load(slot, mark);
    log::debug("Watermark store opened", {{"path", path}, {"marks", std::to_string(marks.size())}});
  } catch (...) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

FileWatermark::~FileWatermark() {
  log_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

tezos::Signature FileWatermark::guard(const Slot& slot, std::int32_t level, std::int32_t round,
                                      const crypto::Digest32& digest,
                                      const std::function<tezos::Signature()>& sign) {
  return table_.guard(slot, level, round, digest, sign);
}

std::vector<std::pair<Slot, Mark>> FileWatermark::marks() {
  return table_.marks();
}

void FileWatermark::raise(const Slot& slot, const Mark& mark) {
  table_.raise(slot, mark);
}

std::string FileWatermark::health() {
  return log_->health();
}

}  // namespace signatory::watermark
