// The backend table and the one list of built-in backends (see registry.h).
#include "watermark/registry.h"

#include <mutex>

#include "common/error.h"
#include "watermark/file/file_watermark.h"
#include "watermark/mem/mem_watermark.h"
#include "watermark/postgres/postgres_watermark.h"

namespace signatory::watermark {
namespace {

struct Table {
  Table()
      : backends{{"file", open_file_watermark},
                 {"mem", open_mem_watermark},
                 {"postgres", open_postgres_watermark}} {}
  std::mutex mutex;
  std::map<std::string, WatermarkFactory> backends;
};

Table& table() {
  static Table t;  // the built-in backends, then any registered
  return t;
}

}  // namespace

void register_backend(const std::string& driver, WatermarkFactory factory) {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  if (factory) {
    t.backends[driver] = std::move(factory);
  } else {
    t.backends.erase(driver);
  }
}

std::vector<std::string> watermark_drivers() {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : t.backends) names.push_back(name);
  return names;
}

std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const WatermarkOptions& options) {
  WatermarkFactory factory;
  {
    Table& t = table();
    std::lock_guard lock(t.mutex);
    auto it = t.backends.find(driver.empty() ? "file" : driver);
    if (it != t.backends.end()) factory = it->second;
  }
  if (!factory) {
    std::string valid;
    for (const auto& name : watermark_drivers()) valid += (valid.empty() ? "" : ", ") + name;
    throw bad_request("unknown watermark driver `" + driver + "' (valid drivers: " + valid + ")");
  }
  return factory(base_dir, options);
}

std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const std::map<std::string, std::string>& options) {
  return open_watermark(driver, base_dir, ConfigNode::from_scalars(options, "watermark.config"));
}

}  // namespace signatory::watermark
