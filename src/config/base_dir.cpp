// Creation and write probe of the base directory (see base_dir.h).
#include "config/base_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace signatory::config {

namespace {

[[noreturn]] void permission_error(const std::string& reason) {
  throw internal_error("Base directory permission error: " + reason);
}

}  // namespace

void prepare_base_dir(const std::string& path) {
  if (path.empty()) permission_error("base_dir is empty");
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    // Create each missing component with 0770, as Go's os.MkdirAll(dir, 0770) does.
    std::vector<fs::path> missing;
    for (fs::path p = fs::path(path); !p.empty(); p = p.parent_path()) {
      std::error_code exists_ec;
      if (fs::exists(p, exists_ec)) break;
      missing.push_back(p);
      if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), 0770) != 0 && errno != EEXIST) {
        permission_error("cannot create " + it->string() + ": " + std::strerror(errno));
      }
    }
  } else if (ec) {
    permission_error("cannot access " + path + ": " + ec.message());
  } else if (status.type() != fs::file_type::directory) {
    permission_error(path + " is not a directory");
  }

  std::string probe = (fs::path(path) / ".signatory_write_test_XXXXXX").string();
  std::vector<char> name(probe.begin(), probe.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) permission_error(path + " is not writable: " + std::strerror(errno));
  ::close(fd);
  ::unlink(name.data());
}

}  // namespace signatory::config
