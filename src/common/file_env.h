// The one seam between the signer and the disk for durable state (the idea of LevelDB's `Env`,
// for files only). Every module that keeps state in files goes through a FileEnv: the
// watermark log (src/watermark/file), the `file` vault's key file and `signatory-cli
// watermark export`. The real implementation is `default_file_env()` (POSIX system calls);
// tests substitute one that fails on demand (tests/unit/support/faulty_file_env.h: EIO,
// ENOSPC, short writes, EINTR, a failure at any step of a replace).
//
// The primitives are virtual; the two compound operations are not, so that they run the same
// code over any implementation:
//   - File::write_all: a write loop over `write_some` (short writes and EINTR are retried);
//   - FileEnv::replace_file: atomic replacement of a whole file (a fresh `<path>.tmp` created
//     with the given mode, write loop, fsync, rename over `path`, fsync of the directory).
// Failures are returned, never thrown: a FileStatus holds the errno and a message naming the
// step and the path ("write /x/marks.log.tmp: No space left on device"), which callers put in
// their own errors.
//
// Thread-safety: the POSIX FileEnv has no state and may be used from any thread. A File may be
// written and synced from several threads, but the caller orders its writes (the watermark log
// serialises them under its mutex).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace signatory {

// The outcome of one file operation.
struct FileStatus {
  int error = 0;        // errno; 0 when the operation succeeded
  std::string message;  // "<step> <path>: <strerror(error)>" when it failed
  bool ok() const { return error == 0; }
  static FileStatus failure(std::string_view step, const std::string& path, int error);
};

// Which file a path or an open descriptor names (device and inode).
struct FileIdentity {
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

// An open file, read and written at offsets.
class File {
 public:
  virtual ~File() = default;
  virtual const std::string& path() const = 0;
  // One write of up to data.size() bytes at `offset` (pwrite); `*written` gets the count.
  // EINTR comes back as an error; write_all retries it.
  virtual FileStatus write_some(std::uint64_t offset, ByteView data, std::size_t* written) = 0;
  virtual FileStatus sync() = 0;       // fsync: data and metadata
  virtual FileStatus sync_data() = 0;  // fdatasync: data (and the size, if it changed)
  virtual FileStatus identity(FileIdentity* out) = 0;

  // Writes all of `data` at `offset`, looping over short writes and EINTR; a write that makes
  // no progress is EIO.
  FileStatus write_all(std::uint64_t offset, ByteView data);
};

// An exclusive lock on a lock file, held until destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

// What replace_file did.
struct ReplaceResult {
  FileStatus status;
  // The new content is at `path`: true on success, and when only a step after the rename
  // failed (the fsync of the directory, after which the rename may not survive a crash, or
  // reopening for `keep_open`). When false, `path` is untouched and the temporary file has
  // been removed.
  bool in_place = false;
  bool ok() const { return status.ok(); }
};

class FileEnv {
 public:
  virtual ~FileEnv() = default;

  // The whole content of `path` (error ENOENT if it does not exist).
  virtual FileStatus read_file(const std::string& path, Bytes* out) = 0;
  // Creates a new file for reading and writing (O_EXCL: error EEXIST if `path` exists), with
  // `mode` (less the umask).
  virtual FileStatus create_file(const std::string& path, mode_t mode,
                                 std::unique_ptr<File>* out) = 0;
  // Opens an existing file for reading and writing.
  virtual FileStatus open_file(const std::string& path, std::unique_ptr<File>* out) = 0;
  virtual FileStatus rename_file(const std::string& from, const std::string& to) = 0;
  // Removes a file; a missing file is success.
  virtual FileStatus remove_file(const std::string& path) = 0;
  // fsync of a directory: makes its entries (a rename, a new file) durable.
  virtual FileStatus sync_dir(const std::string& dir) = 0;
  // Creates a directory; error EEXIST if something exists at `dir`.
  virtual FileStatus create_dir(const std::string& dir, mode_t mode) = 0;
  // Takes an exclusive lock on `path` (created with mode 0600 if missing) without waiting:
  // error EWOULDBLOCK if another open file description holds it.
  virtual FileStatus lock_file(const std::string& path, std::unique_ptr<FileLock>* out) = 0;
  virtual FileStatus identity(const std::string& path, FileIdentity* out) = 0;

  // Replaces `path` by `data` atomically: removes a stale `<path>.tmp`, creates it afresh with
  // `mode`, writes `data` (write loop), fsyncs it, renames it over `path`, fsyncs the
  // directory. At every instant `path` holds either its old content or the whole new one. If
  // `keep_open` is given, it receives the new file, opened again under `path` once the
  // replacement is durable (for writing into it afterwards; an error there is reported with
  // `in_place` true).
  ReplaceResult replace_file(const std::string& path, ByteView data, mode_t mode,
                             std::unique_ptr<File>* keep_open = nullptr);
};

// The real file system (POSIX calls); one process-wide instance.
FileEnv& default_file_env();

// The directory part of `path` ("." for a bare name).
std::string parent_directory(const std::string& path);

}  // namespace signatory
