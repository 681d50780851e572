// `signatory`: the remote signer server. `signatory [serve] [--no-list]`, `signatory version`.
#include <iostream>

#include "cli/cli_commands.h"
#include "cli/global_flags.h"
#include "cli/serve_command.h"

using namespace signatory::cli;

int main(int argc, char** argv) {
  CLI::App app{"A Tezos remote signer compatible with ECAD Labs' Signatory", "signatory"};
  GlobalFlags flags;
  ServeOptions serve_options;
  add_global_flags(app, flags);
  app.add_flag("--no-list", serve_options.no_list, "Do not log the key list at start");
  auto* serve_cmd = app.add_subcommand("serve", "Run the signer (the default command)");
  serve_cmd->add_flag("--no-list", serve_options.no_list, "Do not log the key list at start");
  serve_cmd->add_option("--body-limit", serve_options.body_limit,
                        "Largest sign request body in bytes (413 above)")
      ->capture_default_str();
  auto* version_cmd = app.add_subcommand("version", "Show signatory image version/release (short alias 'v')");
  version_cmd->alias("v");
  // Global flags are persistent, as in cobra: accepted after the subcommand too.
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version_cmd->parsed()) {
    std::cout << version_text();
    return 0;
  }
  return run_command([&] {
    configure_logging(flags);
    return serve(flags, serve_options);
  });
}
