// The POSIX FileEnv and the compound operations every FileEnv shares (see file_env.h).
#include "common/file_env.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace signatory {
namespace {

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  const std::string& path() const override { return path_; }

  FileStatus write_some(std::uint64_t offset, ByteView data, std::size_t* written) override {
    *written = 0;
    const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) return FileStatus::failure("write", path_, errno);
    *written = static_cast<std::size_t>(n);
    return {};
  }

  FileStatus sync() override {
    while (::fsync(fd_) != 0) {
      if (errno != EINTR) return FileStatus::failure("fsync", path_, errno);
    }
    return {};
  }

  FileStatus sync_data() override {
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return FileStatus::failure("fdatasync", path_, errno);
    }
    return {};
  }

  // Asks only for the inode number (statx, STATX_INO; the device is always filled in): a
  // stat() that returns the times marks them as read, and then the kernel (multigrain
  // timestamps, Linux 6.13+) gives the next write a fine-grained, always new, mtime — which
  // dirties the inode, so that every fdatasync of the watermark log would also write its inode
  // block (about 100 µs more per mark on the benchmark machine).
  FileStatus identity(FileIdentity* out) override {
    struct statx st = {};
    if (::statx(fd_, "", AT_EMPTY_PATH, STATX_INO, &st) != 0)
      return FileStatus::failure("fstat", path_, errno);
    *out = FileIdentity{st.stx_dev_major, st.stx_dev_minor, st.stx_ino};
    return {};
  }

 private:
  std::string path_;
  int fd_;
};

class PosixLock final : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::close(fd_); }  // closing the descriptor releases the flock
  PosixLock(const PosixLock&) = delete;
  PosixLock& operator=(const PosixLock&) = delete;

 private:
  int fd_;
};

class PosixFileEnv final : public FileEnv {
 public:
  FileStatus read_file(const std::string& path, Bytes* out) override {
    out->clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return FileStatus::failure("open", path, errno);
    struct stat st = {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out->reserve(static_cast<std::size_t>(st.st_size));
    std::uint8_t chunk[65536];
    for (;;) {
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int e = errno;
        ::close(fd);
        return FileStatus::failure("read", path, e);
      }
      if (n == 0) break;
      out->insert(out->end(), chunk, chunk + n);
    }
    ::close(fd);
    return {};
  }

  FileStatus create_file(const std::string& path, mode_t mode,
                         std::unique_ptr<File>* out) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return FileStatus::failure("create", path, errno);
    *out = std::make_unique<PosixFile>(path, fd);
    return {};
  }

  FileStatus open_file(const std::string& path, std::unique_ptr<File>* out) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return FileStatus::failure("open", path, errno);
    *out = std::make_unique<PosixFile>(path, fd);
    return {};
  }

  FileStatus rename_file(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return FileStatus::failure("rename", from + " to " + to, errno);
    return {};
  }

  FileStatus remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return FileStatus::failure("remove", path, errno);
    return {};
  }

  FileStatus sync_dir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return FileStatus::failure("fsync directory", dir, errno);
    int e = 0;
    while (::fsync(fd) != 0) {
      if (errno != EINTR) {
        e = errno;
        break;
      }
    }
    ::close(fd);
    if (e) return FileStatus::failure("fsync directory", dir, e);
    return {};
  }

  FileStatus create_dir(const std::string& dir, mode_t mode) override {
    if (::mkdir(dir.c_str(), mode) != 0) return FileStatus::failure("create directory", dir, errno);
    return {};
  }

  FileStatus lock_file(const std::string& path, std::unique_ptr<FileLock>* out) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return FileStatus::failure("open", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      ::close(fd);
      return FileStatus::failure("lock", path, e);
    }
    *out = std::make_unique<PosixLock>(fd);
    return {};
  }

  FileStatus identity(const std::string& path, FileIdentity* out) override {
    struct statx st = {};
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_INO, &st) != 0)
      return FileStatus::failure("stat", path, errno);
    *out = FileIdentity{st.stx_dev_major, st.stx_dev_minor, st.stx_ino};
    return {};
  }
};

}  // namespace

FileStatus FileStatus::failure(std::string_view step, const std::string& path, int error) {
  FileStatus s;
  s.error = error == 0 ? EIO : error;
  s.message = std::string(step) + " " + path + ": " + std::strerror(s.error);
  return s;
}

FileStatus File::write_all(std::uint64_t offset, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    std::size_t n = 0;
    FileStatus s = write_some(offset + done, data.subspan(done), &n);
    if (!s.ok()) {
      if (s.error == EINTR) continue;
      return s;
    }
    if (n == 0) return FileStatus::failure("write", path(), EIO);
    done += n;
  }
  return {};
}

ReplaceResult FileEnv::replace_file(const std::string& path, ByteView data, mode_t mode,
                                    std::unique_ptr<File>* keep_open) {
  const std::string tmp = path + ".tmp";
  ReplaceResult r;
  std::unique_ptr<File> file;
  // A stale temporary file (an interrupted replace) is removed, not reused: reusing it would
  // keep its mode and owner.
  if (r.status = remove_file(tmp); !r.ok()) return r;
  if (r.status = create_file(tmp, mode, &file); !r.ok()) return r;
  if (r.status = file->write_all(0, data); r.ok()) r.status = file->sync();
  if (r.ok()) r.status = rename_file(tmp, path);
  if (!r.ok()) {
    file.reset();
    (void)remove_file(tmp);  // best effort: `path` is untouched either way
    return r;
  }
  file.reset();
  r.in_place = true;
  r.status = sync_dir(parent_directory(path));
  if (r.ok() && keep_open) r.status = open_file(path, keep_open);
  return r;
}

FileEnv& default_file_env() {
  static PosixFileEnv env;
  return env;
}

std::string parent_directory(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace signatory
