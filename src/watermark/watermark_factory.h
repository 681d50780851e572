// Opening a watermark backend by its driver name, as the config's `watermark.driver` names it
// (`file`, the default when empty, or `mem`). Takes no YAML so that sig_watermark does not
// depend on config; the caller passes the driver name and base_dir. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "watermark/watermark.h"

namespace signatory::watermark {

// The driver names open_watermark accepts, sorted: {"file", "mem"}.
const std::vector<std::string>& watermark_drivers();

// Throws Error(400) naming the valid drivers for an unknown name; the backend's own errors
// (Error 500) if it cannot open.
std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir);

}  // namespace signatory::watermark
