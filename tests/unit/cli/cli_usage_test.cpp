// Golden tests of what the binaries print without a command, for `help [command]`, `--help`
// and `-h`, and for unknown commands and flags: the layout of Signatory's CLI (cobra's help,
// pflag's flag table), the command lines Signatory's own CLI integration test looks for
// (integration_test/tests/cli/cli_test.go), exit 0 for help and 2 for usage errors.
#include <gtest/gtest.h>

#include "test_support.h"

namespace signatory::testing {
namespace {

const std::string kGlobalFlags =
    "      --base-dir string   Base directory (overrides base_dir)\n"
    "  -c, --config string     Config file path (default \"/etc/signatory.yaml\")\n"
    "      --json-log          Log in JSON\n"
    "      --log string        Log level: error|warn|info|debug|trace (default \"info\")\n";

// The one-line description of `watermark` (its own branch's wording): the first line of its
// help.
std::string watermark_summary() {
  auto r = run_binary("signatory-cli", "watermark --help");
  return r.out.substr(0, r.out.find('\n'));
}

std::string cli_usage() {
  return "Signatory command line tool\n"
         "\n"
         "Usage:\n"
         "  signatory-cli [command]\n"
         "\n"
         "Available Commands:\n"
         "  completion    Generate the autocompletion script for the specified shell\n"
         "  config        Check a config file without starting anything\n"
         "  generate      Generate new keys in a vault\n"
         "  help          Help about any command\n"
         "  import        Import Tezos private keys (edsk..., spsk..., p2sk...)\n"
         "  list          List public keys\n"
         "  list-ops      Print possible operation types inside the `generic` request\n"
         "  list-requests Print possible request types\n"
         "  version       Show signatory image version/release (short alias 'v')\n"
         "  watermark     " +
         watermark_summary() +
         "\n"
         "\n"
         "Flags:\n"
         "      --base-dir string   Base directory (overrides base_dir)\n"
         "  -c, --config string     Config file path (default \"/etc/signatory.yaml\")\n"
         "  -h, --help              help for signatory-cli\n"
         "      --json-log          Log in JSON\n"
         "      --log string        Log level: error|warn|info|debug|trace (default \"info\")\n"
         "\n"
         "Use \"signatory-cli [command] --help\" for more information about a command.\n";
}

TEST(CliUsage, BareSignatoryCliPrintsTheUsageAndExitsZero) {
  auto r = run_binary("signatory-cli", "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, cli_usage());
}

TEST(CliUsage, HasTheLinesSignatorysCliTestLooksFor) {
  // integration_test/tests/cli/cli_test.go, TestCliUsage (all but `ledger`, which this signer
  // does not have).
  auto r = run_binary("signatory-cli", "");
  for (const char* line : {
           "Usage:",
           "signatory-cli [command]",
           "completion    Generate the autocompletion script for the specified shell",
           "help          Help about any command",
           "import        Import Tezos private keys (edsk..., spsk..., p2sk...)",
           "list          List public keys",
           "list-ops      Print possible operation types inside the `generic` request",
           "list-requests Print possible request types",
           "version       Show signatory image version/release (short alias 'v')",
       })
    EXPECT_NE(r.out.find(line), std::string::npos) << line;
}

TEST(CliUsage, HelpCommandAndHelpFlagsPrintTheSameUsage) {
  const std::string usage = cli_usage();
  for (const char* args : {"help", "--help", "-h", "-c /nonexistent.yaml --help"}) {
    auto r = run_binary("signatory-cli", args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_EQ(r.out, usage) << args;
  }
}

TEST(CliUsage, ImportHelp) {
  const std::string expected =
      "Import Tezos private keys (edsk..., spsk..., p2sk...)\n"
      "\n"
      "Usage:\n"
      "  signatory-cli import [secret-key] [flags]\n"
      "\n"
      "Flags:\n"
      "  -f, --from string       Import the keys of a PKCS#8 PEM file (Ed25519, secp256k1 or "
      "P-256; encrypted or not)\n"
      "  -h, --help              help for import\n"
      "  -o, --opt string        Options: name:<key name>\n"
      "      --password string   Password of encrypted keys (prompted for when absent)\n"
      "  -v, --vault string      Vault name (as in the config)\n"
      "\n"
      "Global Flags:\n" +
      kGlobalFlags;
  // `help import`, `import --help`, `import -h`, and with the required --vault missing.
  for (const char* args : {"help import", "import --help", "import -h", "-c x.yaml import -h"}) {
    auto r = run_binary("signatory-cli", args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_EQ(r.out, expected) << args;
  }
}

TEST(CliUsage, GenerateHelpShowsDefaultsAndKeyTypes) {
  auto r = run_binary("signatory-cli", "help generate");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Generate new keys in a vault\n"
            "\n"
            "Usage:\n"
            "  signatory-cli generate [flags]\n"
            "\n"
            "Flags:\n"
            "      --format string   Output layout: legacy|current|json (default \"legacy\")\n"
            "  -h, --help            help for generate\n"
            "  -n, --num int         How many keys (default 1)\n"
            "  -o, --opt string      Options: name:<key name> (with one key)\n"
            "  -t, --type string     Key type: tz1|tz2|tz3|tz4|ed25519|secp256k1|p256|bls "
            "(default \"tz1\")\n"
            "  -v, --vault string    Vault name (as in the config)\n"
            "\n"
            "Global Flags:\n" +
                kGlobalFlags);
}

TEST(CliUsage, VersionHelpShowsItsAlias) {
  auto r = run_binary("signatory-cli", "v --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Show signatory image version/release (short alias 'v')\n"
            "\n"
            "Usage:\n"
            "  signatory-cli version [flags]\n"
            "\n"
            "Aliases:\n"
            "  version, v\n"
            "\n"
            "Flags:\n"
            "  -h, --help   help for version\n"
            "\n"
            "Global Flags:\n" +
                kGlobalFlags);
}

TEST(CliUsage, CommandGroupsWithoutASubcommandPrintTheirHelp) {
  // `watermark` and `completion` do nothing by themselves: their help, exit 0 (cobra's
  // behaviour for a command that is not runnable).
  auto r = run_binary("signatory-cli", "watermark");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage:\n  signatory-cli watermark [command]\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n  set-floor   "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Use \"signatory-cli watermark [command] --help\" for more information "
                       "about a command.\n"),
            std::string::npos);
  EXPECT_EQ(run_binary("signatory-cli", "help watermark").out, r.out);

  r = run_binary("signatory-cli", "completion");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Available Commands:\n"
                       "  bash        Generate the autocompletion script for bash\n"
                       "  fish        Generate the autocompletion script for fish\n"
                       "  zsh         Generate the autocompletion script for zsh\n"),
            std::string::npos)
      << r.out;
}

TEST(CliUsage, ConfigCheckHasItsHelp) {
  auto r = run_binary("signatory-cli", "config");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Available Commands:\n"
                       "  check       Load and validate the config (vaults, policies, auth, "
                       "watermark)\n"),
            std::string::npos)
      << r.out;
  r = run_binary("signatory-cli", "help config check");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage:\n  signatory-cli config check [flags]\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--connect"), std::string::npos) << r.out;
  EXPECT_EQ(run_binary("signatory-cli", "config check --help").out, r.out);
}

TEST(CliUsage, HelpOfANestedCommand) {
  auto r = run_binary("signatory-cli", "help watermark import");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage:\n  signatory-cli watermark import <path> [flags]\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(run_binary("signatory-cli", "watermark import --help").out, r.out);
}

// A usage error: nothing on stdout, `Error: <error>` and the hint for `command`, exit 2.
void expect_usage_error(const std::string& binary, const std::string& args,
                        const std::string& error, const std::string& command) {
  auto r = run_binary(binary, args);
  EXPECT_EQ(r.exit_code, 2) << args;
  EXPECT_EQ(r.out, "") << args;
  EXPECT_EQ(r.err, "Error: " + error + "\nRun '" + command + " --help' for usage.\n") << args;
}

TEST(CliUsage, UnknownCommandIsOneLineAndExitTwo) {
  expect_usage_error("signatory-cli", "lst", "unknown command \"lst\" for \"signatory-cli\"",
                     "signatory-cli");
  expect_usage_error("signatory-cli", "watermark exprot",
                     "unknown command \"exprot\" for \"signatory-cli watermark\"",
                     "signatory-cli watermark");
  expect_usage_error("signatory-cli", "config chek",
                     "unknown command \"chek\" for \"signatory-cli config\"",
                     "signatory-cli config");
  expect_usage_error("signatory-cli", "help lst", "unknown command \"lst\" for \"signatory-cli\"",
                     "signatory-cli");
  expect_usage_error("signatory-cli", "list-ops extra",
                     "unexpected argument \"extra\" for \"signatory-cli list-ops\"",
                     "signatory-cli list-ops");
  expect_usage_error("signatory", "srve", "unknown command \"srve\" for \"signatory\"",
                     "signatory");
}

TEST(CliUsage, UnknownFlagIsOneLineAndExitTwo) {
  expect_usage_error("signatory-cli", "list --nope", "unknown flag: --nope", "signatory-cli list");
  expect_usage_error("signatory-cli", "--verbose=3 list-ops", "unknown flag: --verbose",
                     "signatory-cli list-ops");
  expect_usage_error("signatory-cli", "-x", "unknown flag: -x", "signatory-cli");
  expect_usage_error("signatory", "serve --port 1", "unknown flag: --port", "signatory serve");
}

TEST(CliUsage, OtherUsageErrorsExitTwoWithTheHint) {
  auto r = run_binary("signatory-cli", "import");  // --vault is required
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--vault"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Run 'signatory-cli import --help' for usage.\n"), std::string::npos)
      << r.err;
  r = run_binary("signatory-cli", "generate -v local -n many");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("many"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Run 'signatory-cli generate --help' for usage.\n"), std::string::npos);
}

TEST(SignatoryUsage, HelpListsServeAndTheGlobalFlags) {
  const std::string expected =
      "A Tezos remote signer compatible with ECAD Labs' Signatory\n"
      "\n"
      "Usage:\n"
      "  signatory [flags]\n"
      "  signatory [command]\n"
      "\n"
      "Available Commands:\n"
      "  completion  Generate the autocompletion script for the specified shell\n"
      "  help        Help about any command\n"
      "  serve       Run the signer (the default command)\n"
      "  version     Show signatory image version/release (short alias 'v')\n"
      "\n"
      "Flags:\n"
      "      --base-dir string   Base directory (overrides base_dir)\n"
      "  -c, --config string     Config file path (default \"/etc/signatory.yaml\")\n"
      "  -h, --help              help for signatory\n"
      "      --json-log          Log in JSON\n"
      "      --log string        Log level: error|warn|info|debug|trace (default \"info\")\n"
      "      --no-list           Do not log the key list at start\n"
      "\n"
      "Use \"signatory [command] --help\" for more information about a command.\n";
  for (const char* args : {"--help", "-h", "help"}) {
    auto r = run_binary("signatory", args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_EQ(r.out, expected) << args;
  }
}

TEST(SignatoryUsage, ServeHelp) {
  auto r = run_binary("signatory", "help serve");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Run the signer (the default command)\n"
            "\n"
            "Usage:\n"
            "  signatory serve [flags]\n"
            "\n"
            "Flags:\n"
            "      --body-limit uint   Largest sign request body in bytes (413 above) (default "
            "1048576)\n"
            "  -h, --help              help for serve\n"
            "      --no-list           Do not log the key list at start\n"
            "\n"
            "Global Flags:\n" +
                kGlobalFlags);
  EXPECT_EQ(run_binary("signatory", "serve --help").out, r.out);
}

TEST(SignatoryUsage, BareSignatoryServesAsSignatorysDoes) {
  // Signatory's root command runs the server (its Docker image runs `signatory -c …`): with
  // a config that does not exist, the server's start-up fails on it, it prints no usage.
  auto r = run_binary("signatory", "-c /nonexistent/signatory.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/signatory.yaml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace signatory::testing
