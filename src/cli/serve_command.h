// `signatory serve` (and bare `signatory`): start-up, the two HTTP servers, and graceful
// shutdown on SIGINT/SIGTERM. Runs until a signal; returns the process exit code.
#pragma once

#include "cli/app_context.h"

namespace signatory::cli {

struct ServeOptions {
  bool no_list = false;
  std::size_t body_limit = 1 << 20;  // bytes; larger sign requests get 413
  unsigned threads = 0;              // 0: twice the cores, at least 4
};

int serve(const GlobalFlags& flags, const ServeOptions& options);

}  // namespace signatory::cli
