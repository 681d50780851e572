// `signatory-cli`: key listing, import and generation, the lists of request and operation
// kinds (Signatory's cmd/signatory-cli), moving high-water marks (`watermark export|import|
// set-floor`), checking a config (`config check`, cli/config_check.h), and `help`/`completion`
// (cli/command_tree.h). Bare `signatory-cli` prints the
// usage, as Signatory's does.
#include <iostream>

#include "cli/cli_commands.h"
#include "cli/command_tree.h"
#include "cli/config_check.h"
#include "cli/global_flags.h"
#include "cli/watermark_commands.h"

using namespace signatory::cli;

namespace {

std::string joined(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

// Completion of options that `watermark_commands.cpp` defines, when they are there.
void complete_watermark_options(CommandTree& tree, CLI::App& app) {
  const auto hint = [&](const char* command, const char* option, ValueHint h) {
    CLI::App* watermark = app.get_subcommand("watermark");
    for (CLI::App* sub : watermark->get_subcommands([](CLI::App*) { return true; }))
      if (sub->get_name() == command)
        if (const CLI::Option* o = sub->get_option_no_throw(option)) tree.set_completion(*o, h);
  };
  hint("import", "--from", {ValueCompletion::Words, {"auto", "json", "signatory", "octez"}});
  hint("set-floor", "--kind",
       {ValueCompletion::Words, {"block", "preattestation", "attestation", "all"}});
  for (const char* option : {"--pkh", "--chain", "--level"})
    hint("set-floor", option, {ValueCompletion::None, {}});
}

}  // namespace

int main(int argc, char** argv) {
  CommandTree tree("signatory-cli", "Signatory command line tool");
  CLI::App& app = tree.root();
  GlobalFlags flags;
  add_global_flags(tree, flags);
  // --vault/-v of import and generate: required, completed with the config's vault names.
  const auto add_vault_option = [&tree](CLI::App* command, std::string& vault_name) {
    tree.set_completion(
        *command->add_option("--vault,-v", vault_name, "Vault name (as in the config)")->required(),
        {ValueCompletion::Vaults, {}});
  };
  const ValueHint nothing{ValueCompletion::None, {}};
  const std::vector<std::string> formats = {"legacy", "current", "json"};
  const std::vector<std::string> key_types = {"tz1",     "tz2",       "tz3",  "tz4",
                                              "ed25519", "secp256k1", "p256", "bls"};

  std::string list_format = "legacy";
  auto* list = app.add_subcommand("list", "List public keys");
  tree.set_completion(
      *list->add_option("--format", list_format, "Output layout: " + joined(formats, "|"))
           ->capture_default_str(),
      {ValueCompletion::Words, formats});

  ImportRequest import_request;
  auto* import =
      app.add_subcommand("import", "Import Tezos private keys (edsk..., spsk..., p2sk...)");
  tree.set_completion(*import->add_option("secret-key", import_request.secret_keys,
                                          "Secret keys (prompted for when absent)"),
                      nothing);
  add_vault_option(import, import_request.vault_name);
  tree.set_completion(*import->add_option("--password", import_request.password,
                                          "Password of encrypted keys (prompted for when absent)"),
                      nothing);
  tree.set_completion(*import->add_option("-f,--from", import_request.pem_file,
                                          "Import the keys of a PKCS#8 PEM file (Ed25519, "
                                          "secp256k1 or P-256; encrypted or not)"),
                      {ValueCompletion::Files, {}});
  tree.set_completion(
      *import->add_option("-o,--opt", import_request.options, "Options: name:<key name>"), nothing);

  GenerateRequest generate_request;
  auto* generate = app.add_subcommand("generate", "Generate new keys in a vault");
  add_vault_option(generate, generate_request.vault_name);
  tree.set_completion(
      *generate
           ->add_option("-t,--type", generate_request.type, "Key type: " + joined(key_types, "|"))
           ->capture_default_str(),
      {ValueCompletion::Words, key_types});
  tree.set_completion(*generate->add_option("-n,--num", generate_request.count, "How many keys")
                           ->capture_default_str(),
                      nothing);
  tree.set_completion(*generate->add_option("-o,--opt", generate_request.options,
                                            "Options: name:<key name> (with one key)"),
                      nothing);
  tree.set_completion(*generate
                           ->add_option("--format", generate_request.format,
                                        "Output layout: " + joined(formats, "|"))
                           ->capture_default_str(),
                      {ValueCompletion::Words, formats});

  auto* list_requests_cmd = app.add_subcommand("list-requests", "Print possible request types");
  auto* list_ops_cmd =
      app.add_subcommand("list-ops", "Print possible operation types inside the `generic` request");
  auto* version =
      app.add_subcommand("version", "Show signatory image version/release (short alias 'v')");
  version->alias("v");
  CheckOptions check_options;
  auto* config_cmd = app.add_subcommand("config", "Check a config file without starting anything");
  tree.set_long_description(*config_cmd,
                            "Work with the config file. `config check` loads the file given with "
                            "-c and checks it as\nthe server does at start and on reload (SIGHUP).");
  auto* config_check_cmd = config_cmd->add_subcommand(
      "check", "Load and validate the config (vaults, policies, auth, watermark)");
  tree.set_long_description(
      *config_check_cmd,
      "Load and validate the config file given with -c, as the server does at start and on\n"
      "reload (SIGHUP), without starting anything: the YAML and every section, the policies,\n"
      "the authorized keys and JWT users, the watermark settings, and the vaults (file and mem\n"
      "vaults are opened and their keys read; KMS vaults are contacted only with --connect).\n"
      "Prints each problem as <file>:<line>: <what>. Exit status 0: no problem, 1: problems.");
  config_check_cmd->add_flag(
      "--connect", check_options.connect,
      "Also list remote vaults (AWS KMS) and connect to a PostgreSQL watermark store");
  WatermarkCommand watermark_cmd(app);
  complete_watermark_options(tree, app);
  tree.add_vault_names([&flags] { return configured_vault_names(flags); });

  return tree.run(argc, argv, [&] {
    if (version->parsed()) {
      std::cout << version_text();
      return 0;
    }
    if (list_requests_cmd->parsed()) return list_requests();
    if (list_ops_cmd->parsed()) return list_ops();
    if (config_check_cmd->parsed()) {
      configure_logging(flags);
      return run_command([&] { return config_check(flags, check_options); });
    }
    return run_command([&] {
      configure_logging(flags);
      if (list->parsed()) return list_keys(flags, parse_list_format(list_format));
      if (import->parsed()) return import_keys(flags, std::move(import_request));
      if (generate->parsed()) return generate_keys(flags, generate_request);
      if (watermark_cmd.parsed()) return watermark_cmd.run(flags);
      return 0;
    });
  });
}
