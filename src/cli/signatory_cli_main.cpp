// `signatory-cli`: key listing, import and generation, the lists of request and operation
// kinds (Signatory's cmd/signatory-cli), and moving high-water marks (`watermark export|import|set-floor`).
#include <iostream>

#include "cli/cli_commands.h"
#include "cli/global_flags.h"
#include "cli/watermark_commands.h"

using namespace signatory::cli;

int main(int argc, char** argv) {
  CLI::App app{"Signatory command line tool", "signatory-cli"};
  GlobalFlags flags;
  add_global_flags(app, flags);
  app.require_subcommand(1);

  std::string format = "legacy";
  auto* list = app.add_subcommand("list", "List public keys");
  list->add_option("--format", format, "Output layout: legacy|current|json")->capture_default_str();

  std::string vault_name, options, password, type = "tz1";
  std::vector<std::string> secret_keys;
  int count = 1;
  auto* import = app.add_subcommand("import", "Import Tezos private keys (edsk..., spsk..., p2sk...)");
  import->add_option("secret-key", secret_keys, "Secret keys (prompted for when absent)");
  import->add_option("--vault,-v", vault_name, "Vault name (as in the config)")->required();
  auto* password_opt = import->add_option("--password", password, "Password of encrypted keys");
  import->add_option("-o,--opt", options, "Options: name:<key name>");

  auto* generate = app.add_subcommand("generate", "Generate new keys in a vault");
  generate->add_option("--vault,-v", vault_name, "Vault name (as in the config)")->required();
  generate->add_option("-t,--type", type, "tz1|tz2|tz3|tz4|ed25519|secp256k1|p256|bls")->capture_default_str();
  generate->add_option("-n,--num", count, "How many keys")->capture_default_str();
  generate->add_option("--format", format, "Output layout: legacy|current|json")->capture_default_str();

  auto* list_requests_cmd = app.add_subcommand("list-requests", "Print possible request types");
  auto* list_ops_cmd =
      app.add_subcommand("list-ops", "Print possible operation types inside the `generic` request");
  auto* version = app.add_subcommand("version", "Show signatory image version/release (short alias 'v')");
  version->alias("v");
  WatermarkCommand watermark_cmd(app);

  // Global flags are persistent, as in cobra: accepted after the subcommand too.
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version->parsed()) {
    std::cout << version_text();
    return 0;
  }
  if (list_requests_cmd->parsed()) return list_requests();
  if (list_ops_cmd->parsed()) return list_ops();
  return run_command([&] {
    configure_logging(flags);
    if (list->parsed()) return list_keys(flags, parse_list_format(format));
    if (import->parsed())
      return import_keys(flags, vault_name, secret_keys, options, password_opt->count() > 0, password);
    if (generate->parsed())
      return generate_keys(flags, vault_name, type, count, parse_list_format(format));
    if (watermark_cmd.parsed()) return watermark_cmd.run(flags);
    return 0;
  });
}
