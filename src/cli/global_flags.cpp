// Shared flags and error reporting of both binaries (see global_flags.h).
#include "cli/global_flags.h"

#include <iostream>

#include "common/error.h"
#include "common/log.h"

namespace signatory::cli {

void add_global_flags(CommandTree& tree, GlobalFlags& flags) {
  CLI::App& app = tree.root();
  const std::vector<std::string> levels = {"error", "warn", "info", "debug", "trace"};
  std::string level_list;
  for (const auto& l : levels) level_list += (level_list.empty() ? "" : "|") + l;
  auto* config = app.add_option("-c,--config", flags.config_path, "Config file path")
                     ->capture_default_str();
  tree.set_completion(*config, {ValueCompletion::ConfigFile, {}});
  auto* log = app.add_option("--log", flags.log_level, "Log level: " + level_list)
                  ->capture_default_str();
  tree.set_completion(*log, {ValueCompletion::Words, levels});
  auto* base_dir =
      app.add_option("--base-dir", flags.base_dir, "Base directory (overrides base_dir)");
  tree.set_completion(*base_dir, {ValueCompletion::Directories, {}});
  auto* json_log = app.add_flag("--json-log", flags.json_log, "Log in JSON");
  for (const CLI::Option* o : {config, log, base_dir, json_log}) tree.set_persistent(*o);
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
