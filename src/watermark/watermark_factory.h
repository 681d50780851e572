// Opening a watermark backend by its driver name, as the config's `watermark.driver` names it
// (`file`, the default when empty, `mem` or `postgres`). Takes no YAML so that sig_watermark
// does not depend on config; the caller passes the driver name, base_dir and the driver's
// options: the typed view of `watermark.config` (common/config_node.h, each value a scalar),
// whose positions the driver's errors name. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config_node.h"
#include "watermark/watermark.h"

namespace signatory::watermark {

// `watermark.config`, a mapping of scalars.
using WatermarkOptions = ConfigNode;

// The driver names open_watermark accepts, sorted: {"file", "mem", "postgres"}.
const std::vector<std::string>& watermark_drivers();

// Throws Error(400) naming the valid drivers for an unknown name, Error(400)
// "<file>:<line>: watermark.config.<key>: …" for a bad option, and the backend's own errors
// (Error 500) if it cannot open. `file` and `mem` take no options and ignore any given.
std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const WatermarkOptions& options);
// The same with options written in code (tests, tools): `watermark.config` without positions.
std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const std::map<std::string, std::string>& options = {});

}  // namespace signatory::watermark
