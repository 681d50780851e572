// LD_PRELOAD shim for tests/system/test_disk_faults.py: makes the signer's writes to its
// watermark log fail as a disk that went read-only or bad under a running process would
// (an open descriptor's pwrite failing with EROFS, fdatasync with EIO), which no mount
// operation can do while the file is open for writing (remounting read-only is refused
// with EBUSY then).
//
// While the file named by $SIGNATORY_FAULT_CONTROL exists and holds "write ERRNO" (resp.
// "sync ERRNO"), every pwrite (resp. fsync/fdatasync) on a descriptor whose path contains
// "/watermark_log/" fails with that errno; everything else goes to libc untouched. The control
// file is read on each such call, so a test switches faults on and off while the signer runs.
// Thread-safe: no state besides libc's functions, resolved once when the library loads.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static ssize_t (*real_pwrite)(int, const void*, size_t, off_t);
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);

__attribute__((constructor)) static void resolve(void) {
  real_pwrite = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
}

static int fault_for(int fd, const char* kind) {
  const char* control = getenv("SIGNATORY_FAULT_CONTROL");
  if (control == NULL) return 0;
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  if (strstr(target, "/watermark_log/") == NULL) return 0;
  int saved = errno;
  int cfd = open(control, O_RDONLY | O_CLOEXEC);
  if (cfd < 0) {
    errno = saved;
    return 0;
  }
  char text[64] = {0};
  ssize_t got = read(cfd, text, sizeof text - 1);
  close(cfd);
  errno = saved;
  if (got <= 0) return 0;
  char what[16] = {0};
  int err = 0;
  if (sscanf(text, "%15s %d", what, &err) != 2 || strcmp(what, kind) != 0) return 0;
  return err;
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  int err = fault_for(fd, "write");
  if (err) {
    errno = err;
    return -1;
  }
  return real_pwrite(fd, buf, count, offset);
}

int fdatasync(int fd) {
  int err = fault_for(fd, "sync");
  if (err) {
    errno = err;
    return -1;
  }
  return real_fdatasync(fd);
}

int fsync(int fd) {
  int err = fault_for(fd, "sync");
  if (err) {
    errno = err;
    return -1;
  }
  return real_fsync(fd);
}
