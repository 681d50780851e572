// Driver name → watermark backend (see watermark_factory.h).
#include "watermark/watermark_factory.h"

#include "common/error.h"
#include "watermark/file_watermark.h"
#include "watermark/mem_watermark.h"
#include "watermark/postgres_watermark.h"

namespace signatory::watermark {

const std::vector<std::string>& watermark_drivers() {
  static const std::vector<std::string> names = {"file", "mem", "postgres"};
  return names;
}

std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const WatermarkOptions& options) {
  if (driver.empty() || driver == "file") return std::make_unique<FileWatermark>(base_dir);
  if (driver == "mem") return std::make_unique<MemWatermark>();
  if (driver == "postgres")
    return std::make_unique<PostgresWatermark>(parse_postgres_options(options));
  std::string valid;
  for (const auto& name : watermark_drivers()) valid += (valid.empty() ? "" : ", ") + name;
  throw bad_request("unknown watermark driver `" + driver + "' (valid drivers: " + valid + ")");
}

std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const std::map<std::string, std::string>& options) {
  return open_watermark(driver, base_dir, ConfigNode::from_scalars(options, "watermark.config"));
}

}  // namespace signatory::watermark
