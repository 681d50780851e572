// The persistent flags both binaries share (-c/--config, --log, --base-dir, --json-log), bound
// to a command tree (accepted by every command, completed by the shell scripts), and the common
// way a command failure is reported: `Error: <message>` on stderr and exit code 1, as cobra
// does.
#pragma once

#include <functional>

#include "cli/app_context.h"
#include "cli/command_tree.h"

namespace signatory::cli {

void add_global_flags(CommandTree& tree, GlobalFlags& flags);
// Runs `body`, turning an Error into `Error: <message>` and exit code 1.
int run_command(const std::function<int()>& body);

}  // namespace signatory::cli
