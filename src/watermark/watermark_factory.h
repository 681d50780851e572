// Opening a watermark backend by its driver name, as the config's `watermark.driver` names it
// (`file`, the default when empty, `mem` or `postgres`). Takes no YAML so that sig_watermark
// does not depend on config; the caller passes the driver name, base_dir and the driver's
// options (`watermark.config`, each value a scalar as text). Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "watermark/watermark.h"

namespace signatory::watermark {

// `watermark.config` as key → scalar text.
using WatermarkOptions = std::map<std::string, std::string>;

// The driver names open_watermark accepts, sorted: {"file", "mem", "postgres"}.
const std::vector<std::string>& watermark_drivers();

// Throws Error(400) naming the valid drivers for an unknown name, Error(400)
// "watermark.config.<key>: …" for a bad option, and the backend's own errors (Error 500) if it
// cannot open. `file` and `mem` take no options and ignore any given.
std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const WatermarkOptions& options = {});

}  // namespace signatory::watermark
