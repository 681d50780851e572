// Secret files read into SecretBytes (see secret_file.h).
#include "crypto/secret_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.h"

namespace signatory::crypto {

SecretBytes read_secret_file(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw bad_request("cannot read " + path + ": " + std::strerror(errno));
  SecretBytes buffer(4096);
  std::size_t used = 0;
  for (;;) {
    if (used > limit) {
      ::close(fd);
      throw bad_request(path + " is larger than " + std::to_string(limit) + " bytes");
    }
    if (used == buffer.size()) {  // room for one byte past the limit, to see it is passed
      SecretBytes bigger(std::min(buffer.size() * 2, limit + 1));
      std::memcpy(bigger.data(), buffer.data(), used);
      buffer = std::move(bigger);  // the smaller buffer is wiped as it goes
    }
    const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw bad_request("cannot read " + path + ": " + std::strerror(error));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return SecretBytes(ByteView(buffer.data(), used));
}

}  // namespace signatory::crypto
