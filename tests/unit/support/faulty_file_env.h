// A FileEnv that fails on demand, for the tests of everything that keeps durable state through
// the file seam (src/common/file_env.h): the watermark log, the key file, the mark export.
// It forwards to a real FileEnv (the POSIX one by default) and, while told to, makes an
// operation fail with an errno (EIO, ENOSPC, EROFS…), cuts writes short, or interrupts them
// with EINTR. A fault can spare the first calls, be limited to a number of calls, and to
// paths containing a given text (e.g. ".tmp": only the temporary file of a replace). Header-only,
// so that it links into any unit-test binary. Thread-safe (one mutex).
#pragma once

#include <cerrno>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/file_env.h"

namespace signatory::testing {

// The operations a fault can target. Write is File::write_some; Sync is fsync of a file,
// SyncData fdatasync, SyncDir the fsync of a directory.
enum class FileOp {
  Read,
  Create,
  Open,
  Write,
  Sync,
  SyncData,
  Rename,
  Remove,
  SyncDir,
  CreateDir,
  Lock,
  Identity
};

// Which calls of an operation a fault hits.
struct FaultWhen {
  int after = 0;          // let this many matching calls through first
  int times = -1;         // then fail this many (every one if negative)
  std::string path_part;  // only on paths containing this (any path if empty)
};

class FaultyFileEnv final : public FileEnv {
 public:
  explicit FaultyFileEnv(FileEnv& real = default_file_env()) : real_(real) {}

  // From now on `op` fails with `error` on the calls `when` selects, until clear(op).
  void fail(FileOp op, int error, FaultWhen when = {}) {
    std::lock_guard lock(mutex_);
    faults_[op] = Fault{error, std::move(when)};
  }
  void clear(FileOp op) {
    std::lock_guard lock(mutex_);
    faults_.erase(op);
  }
  // A disk that fails: every write (resp. every fsync, fdatasync and directory fsync) fails
  // with `error` from now on; 0 ends it.
  void fail_writes(int error) { set_failing({FileOp::Write}, error); }
  void fail_syncs(int error) {
    set_failing({FileOp::Sync, FileOp::SyncData, FileOp::SyncDir}, error);
  }
  // Removes every fault, short-write limit and pending interruption.
  void clear() {
    std::lock_guard lock(mutex_);
    faults_.clear();
    max_write_.reset();
    interruptions_ = 0;
  }
  // Each write_some writes at most `bytes` bytes (a short write), until clear().
  void limit_writes(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    max_write_ = bytes;
  }
  // The next `count` write_some calls return EINTR, writing nothing.
  void interrupt_writes(int count) {
    std::lock_guard lock(mutex_);
    interruptions_ = count;
  }
  // How many times `op` was called (failed calls included).
  int calls(FileOp op) const {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(op);
    return it == calls_.end() ? 0 : it->second;
  }

  FileStatus read_file(const std::string& path, Bytes* out) override {
    if (auto f = inject(FileOp::Read, path)) return FileStatus::failure("read", path, *f);
    return real_.read_file(path, out);
  }
  FileStatus create_file(const std::string& path, mode_t mode,
                         std::unique_ptr<File>* out) override {
    if (auto f = inject(FileOp::Create, path)) return FileStatus::failure("create", path, *f);
    std::unique_ptr<File> file;
    FileStatus s = real_.create_file(path, mode, &file);
    if (s.ok()) *out = std::make_unique<FaultyFile>(*this, std::move(file));
    return s;
  }
  FileStatus open_file(const std::string& path, std::unique_ptr<File>* out) override {
    if (auto f = inject(FileOp::Open, path)) return FileStatus::failure("open", path, *f);
    std::unique_ptr<File> file;
    FileStatus s = real_.open_file(path, &file);
    if (s.ok()) *out = std::make_unique<FaultyFile>(*this, std::move(file));
    return s;
  }
  FileStatus rename_file(const std::string& from, const std::string& to) override {
    if (auto f = inject(FileOp::Rename, from))
      return FileStatus::failure("rename", from + " to " + to, *f);
    return real_.rename_file(from, to);
  }
  FileStatus remove_file(const std::string& path) override {
    if (auto f = inject(FileOp::Remove, path)) return FileStatus::failure("remove", path, *f);
    return real_.remove_file(path);
  }
  FileStatus sync_dir(const std::string& dir) override {
    if (auto f = inject(FileOp::SyncDir, dir))
      return FileStatus::failure("fsync directory", dir, *f);
    return real_.sync_dir(dir);
  }
  FileStatus create_dir(const std::string& dir, mode_t mode) override {
    if (auto f = inject(FileOp::CreateDir, dir))
      return FileStatus::failure("create directory", dir, *f);
    return real_.create_dir(dir, mode);
  }
  FileStatus lock_file(const std::string& path, std::unique_ptr<FileLock>* out) override {
    if (auto f = inject(FileOp::Lock, path)) return FileStatus::failure("lock", path, *f);
    return real_.lock_file(path, out);
  }
  FileStatus identity(const std::string& path, FileIdentity* out) override {
    if (auto f = inject(FileOp::Identity, path)) return FileStatus::failure("stat", path, *f);
    return real_.identity(path, out);
  }

 private:
  struct Fault {
    int error = EIO;
    FaultWhen when;
  };

  class FaultyFile final : public File {
   public:
    FaultyFile(FaultyFileEnv& env, std::unique_ptr<File> real)
        : env_(env), real_(std::move(real)) {}
    const std::string& path() const override { return real_->path(); }
    FileStatus write_some(std::uint64_t offset, ByteView data, std::size_t* written) override {
      *written = 0;
      if (auto f = env_.inject(FileOp::Write, path()))
        return FileStatus::failure("write", path(), *f);
      if (env_.take_interruption()) return FileStatus::failure("write", path(), EINTR);
      if (auto max = env_.write_limit(); max && data.size() > *max) data = data.first(*max);
      return real_->write_some(offset, data, written);
    }
    FileStatus sync() override {
      if (auto f = env_.inject(FileOp::Sync, path()))
        return FileStatus::failure("fsync", path(), *f);
      return real_->sync();
    }
    FileStatus sync_data() override {
      if (auto f = env_.inject(FileOp::SyncData, path()))
        return FileStatus::failure("fdatasync", path(), *f);
      return real_->sync_data();
    }
    FileStatus identity(FileIdentity* out) override {
      if (auto f = env_.inject(FileOp::Identity, path()))
        return FileStatus::failure("fstat", path(), *f);
      return real_->identity(out);
    }

   private:
    FaultyFileEnv& env_;
    std::unique_ptr<File> real_;
  };

  void set_failing(std::initializer_list<FileOp> ops, int error) {
    for (FileOp op : ops) error ? fail(op, error) : clear(op);
  }

  // The errno `op` on `path` must fail with, if any; counts the call.
  std::optional<int> inject(FileOp op, const std::string& path) {
    std::lock_guard lock(mutex_);
    ++calls_[op];
    auto it = faults_.find(op);
    if (it == faults_.end()) return std::nullopt;
    Fault& f = it->second;
    if (!f.when.path_part.empty() && path.find(f.when.path_part) == std::string::npos)
      return std::nullopt;
    if (f.when.after > 0) {
      --f.when.after;
      return std::nullopt;
    }
    const int error = f.error;
    if (f.when.times > 0 && --f.when.times == 0) faults_.erase(it);
    return error;
  }
  bool take_interruption() {
    std::lock_guard lock(mutex_);
    if (interruptions_ <= 0) return false;
    --interruptions_;
    return true;
  }
  std::optional<std::size_t> write_limit() const {
    std::lock_guard lock(mutex_);
    return max_write_;
  }

  FileEnv& real_;
  mutable std::mutex mutex_;
  std::map<FileOp, Fault> faults_;
  std::map<FileOp, int> calls_;
  std::optional<std::size_t> max_write_;
  int interruptions_ = 0;
};

}  // namespace signatory::testing
