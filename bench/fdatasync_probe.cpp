// The durability limit of bench/run: the latency of what the `file` watermark store does for
// each accepted mark (src/watermark/file/mark_log.cpp) — one pwrite of a 176-byte record into space
// that was zeroed and synced beforehand, then one fdatasync — on the disk holding DIR.
//
// Usage: bench_fdatasync DIR [count=2000]
// Prints one JSON line: {"count":N,"p50_us":…,"p99_us":…,"p999_us":…,"mean_us":…}.
// Creates and removes DIR/fdatasync-probe.tmp. Single-threaded.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kRecordSize = 176;  // watermark/mark_record.h kLogRecordSize

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_fdatasync: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_fdatasync DIR [count]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/fdatasync-probe.tmp";
  const std::size_t count = argc > 2 ? std::stoul(argv[2]) : 2000;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die("open");
  // Zeroed, synced space first, as MarkLog's compaction leaves it.
  std::vector<char> zeros(kRecordSize * (count + 1), 0);
  if (::pwrite(fd, zeros.data(), zeros.size(), 0) != static_cast<ssize_t>(zeros.size()))
    die("pwrite");
  if (::fsync(fd) != 0) die("fsync");

  char record[kRecordSize];
  std::vector<double> us;
  us.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::memset(record, static_cast<int>(i & 0xff) | 1, sizeof record);
    const auto t0 = std::chrono::steady_clock::now();
    if (::pwrite(fd, record, sizeof record, static_cast<off_t>(i * kRecordSize)) !=
        static_cast<ssize_t>(sizeof record))
      die("pwrite");
    if (::fdatasync(fd) != 0) die("fdatasync");
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  double mean = 0;
  for (double v : us) mean += v;
  mean /= static_cast<double>(us.size());
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) {
    return us[std::min(us.size() - 1, static_cast<std::size_t>(p * us.size()))];
  };
  std::printf("{\"count\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"mean_us\":%.1f}\n",
              us.size(), pct(0.50), pct(0.99), pct(0.999), mean);
  return 0;
}
