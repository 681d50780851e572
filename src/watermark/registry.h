// The table of watermark backends, by the name the config's `watermark.driver` uses (`file`,
// the default when empty, `mem`, `postgres`), like the vault drivers (vault/registry.h). Each
// backend folder provides one factory; registry.cpp is the one place listing the built-in
// ones, which are registered when the table is first used. Takes no YAML so that sig_watermark
// does not depend on config: the caller passes the driver name, base_dir and the driver's
// options, the typed view of `watermark.config` (common/config_node.h, each value a scalar),
// whose positions the driver's errors name. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config_node.h"
#include "watermark/core/watermark.h"

namespace signatory::watermark {

// `watermark.config`, a mapping of scalars.
using WatermarkOptions = ConfigNode;

// Opens a backend from base_dir and its options. Throws a BadRequest Error
// "<file>:<line>: watermark.config.<key>: …" for a bad option and its own errors (Internal,
// Unavailable) if it cannot open.
using WatermarkFactory = std::function<std::unique_ptr<Watermark>(const std::string& base_dir,
                                                                  const WatermarkOptions& options)>;

// Adds (or replaces) a backend under `driver`; an empty factory removes it.
void register_backend(const std::string& driver, WatermarkFactory factory);

// The driver names open_watermark accepts, sorted: {"file", "mem", "postgres"} and any
// registered since.
std::vector<std::string> watermark_drivers();

// The backend `driver` names (the empty name is `file`). Throws a BadRequest Error naming the
// valid drivers for an unknown name, and whatever the backend's factory throws.
std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const WatermarkOptions& options);
// The same with options written in code (tests, tools): `watermark.config` without positions.
std::unique_ptr<Watermark> open_watermark(const std::string& driver, const std::string& base_dir,
                                          const std::map<std::string, std::string>& options = {});

}  // namespace signatory::watermark
