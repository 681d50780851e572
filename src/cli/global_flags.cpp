// Shared flags and error reporting of both binaries (see global_flags.h).
#include "cli/global_flags.h"

#include <iostream>

#include "common/error.h"
#include "common/log.h"

namespace signatory::cli {

void add_global_flags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("-c,--config", flags.config_path, "Config file path")
      ->capture_default_str();
  app.add_option("--log", flags.log_level, "Log level: error|warn|info|debug|trace")
      ->capture_default_str();
  app.add_option("--base-dir", flags.base_dir, "Base directory (overrides base_dir)");
  app.add_flag("--json-log", flags.json_log, "Log in JSON");
}

int run_command(const std::function<int()>& body) {
  try {
    return body();
  } catch (const Error& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace signatory::cli
