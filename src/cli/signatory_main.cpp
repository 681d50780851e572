// `signatory`: the remote signer server. `signatory [serve] [--no-list]`, `signatory version`,
// `help`, `completion` (cli/command_tree.h). Bare `signatory` serves, as Signatory's does (its
// Docker image runs `signatory -c /signatory/signatory.yaml`); `signatory --help` prints the usage.
#include <iostream>

#include "cli/cli_commands.h"
#include "cli/command_tree.h"
#include "cli/global_flags.h"
#include "cli/serve_command.h"

using namespace signatory::cli;

int main(int argc, char** argv) {
  CommandTree tree("signatory", "A Tezos remote signer compatible with ECAD Labs' Signatory");
  CLI::App& app = tree.root();
  tree.set_runnable(app);
  GlobalFlags flags;
  ServeOptions serve_options;
  add_global_flags(tree, flags);
  app.add_flag("--no-list", serve_options.no_list, "Do not log the key list at start");
  auto* serve_cmd = app.add_subcommand("serve", "Run the signer (the default command)");
  serve_cmd->add_flag("--no-list", serve_options.no_list, "Do not log the key list at start");
  tree.set_completion(*serve_cmd
                           ->add_option("--body-limit", serve_options.body_limit,
                                        "Largest sign request body in bytes (413 above)")
                           ->capture_default_str(),
                      {ValueCompletion::None, {}});
  auto* version_cmd =
      app.add_subcommand("version", "Show signatory image version/release (short alias 'v')");
  version_cmd->alias("v");
  return tree.run(argc, argv, [&] {
    if (version_cmd->parsed()) {
      std::cout << version_text();
      return 0;
    }
    const int code = run_command([&] {
      configure_logging(flags);
      return serve(flags, serve_options);
    });
    // Bare `signatory` that cannot start (no /etc/signatory.yaml, say): show the way to help.
    if (code != 0 && argc == 1) std::cerr << "Run 'signatory --help' for usage.\n";
    return code;
  });
}
