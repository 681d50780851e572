// The completion scripts of both binaries, run in the real shells: bash loads the script and
// registers its function, which is then called as bash calls it on TAB (COMP_WORDS,
// COMP_CWORD) and its COMPREPLY read back; fish computes completions itself
// (`complete -C`); zsh checks the syntax and runs the function with compsys's builtins
// replaced by recorders. Commands are compared with the binary's own help, so the scripts
// cannot drift from the command tree.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "test_support.h"

namespace signatory::testing {
namespace {

const std::string kBuild = SIGNATORY_BINARY_DIR;

std::string sh_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  std::sort(out.begin(), out.end());
  return out;
}

// Runs `text` as a script of `interpreter` (e.g. "bash", "zsh -f"); its output lines, sorted.
// It must succeed quietly.
std::vector<std::string> run_script(const std::string& interpreter, const std::string& text) {
  TempDir dir;
  dir.write("script", text);
  auto r = run_shell(interpreter + " " + dir.file("script"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return lines(r.out);
}

bool have(const std::string& program) {
  return run_shell("command -v " + program).exit_code == 0;
}

// COMPREPLY of the bash function `binary`'s script registers, for the words typed so far (the
// last one is the word being completed; words[0] is replaced by the binary's path).
std::vector<std::string> bash_complete(const std::string& binary, std::vector<std::string> words,
                                       const std::string& cwd = ".") {
  words[0] = kBuild + "/" + binary;
  std::string array;
  for (const auto& w : words) array += " " + sh_quoted(w);
  return run_script("bash",
                    "set -e\n"
                    "source <(" +
                        sh_quoted(words[0]) +
                        " completion bash)\n"
                        "spec=$(complete -p " +
                        binary +
                        ")\n"
                        "fn=${spec#*-F }; fn=${fn%% *}\n"
                        "cd " +
                        sh_quoted(cwd) +
                        "\n"
                        "COMP_WORDS=(" +
                        array +
                        ")\n"
                        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                        "COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}\n"
                        "\"$fn\" " +
                        binary +
                        " \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                        "printf '%s\\n' \"${COMPREPLY[@]}\"\n");
}

// The commands a binary's help lists under "Available Commands:".
std::vector<std::string> commands_in_help(const std::string& binary, const std::string& command) {
  const std::string help = run_binary(binary, "help " + command).out;
  std::vector<std::string> out;
  std::istringstream in(help.substr(help.find("Available Commands:\n") + 20));
  for (std::string line; std::getline(in, line) && line.rfind("  ", 0) == 0;)
    out.push_back(line.substr(2, line.find(' ', 2) - 2));
  std::sort(out.begin(), out.end());
  return out;
}

using Words = std::vector<std::string>;

// A config with two vaults, for `--vault <TAB>`.
struct TwoVaults {
  TempDir dir;
  std::string config = dir.file("signatory.yaml");
  TwoVaults() {
    dir.write("signatory.yaml",
              "base_dir: " + dir.path() +
                  "\nvaults:\n  hot:\n    driver: mem\n  cold:\n    driver: file\n"
                  "    config: " +
                  dir.file("secret_keys") + "\n");
  }
};

TEST(BashCompletion, RegistersAFunctionForTheBinary) {
  for (const std::string binary : {"signatory-cli", "signatory"}) {
    auto r = run_shell("bash -c " + sh_quoted("source <(" + kBuild + "/" + binary +
                                              " completion bash); complete -p " + binary));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "complete -F _" +
                         std::string(binary == "signatory" ? "signatory" : "signatory_cli") + " " +
                         binary + "\n");
    EXPECT_EQ(r.err, "");
  }
}

TEST(BashCompletion, CompletesCommandsByPrefix) {
  EXPECT_EQ(bash_complete("signatory-cli", {"", "li"}),
            (Words{"list", "list-ops", "list-requests"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "wat"}), (Words{"watermark"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "-c", "x.yaml", "--log", "debug", "gen"}),
            (Words{"generate"}));
}

TEST(BashCompletion, OffersExactlyTheCommandsOfTheHelp) {
  EXPECT_EQ(bash_complete("signatory-cli", {"", ""}), commands_in_help("signatory-cli", ""));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "watermark", ""}),
            commands_in_help("signatory-cli", "watermark"));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "completion", ""}), (Words{"bash", "fish", "zsh"}));
  EXPECT_EQ(bash_complete("signatory", {"", ""}), commands_in_help("signatory", ""));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "help", "w"}), (Words{"watermark"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "config", ""}),
            commands_in_help("signatory-cli", "config"));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "config", ""}), (Words{"check"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "con"}), (Words{"config"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "config", "check", "--con"}),
            (Words{"--config", "--connect"}));
}

TEST(BashCompletion, CompletesTheFlagsOfTheCommandAndTheGlobalOnes) {
  EXPECT_EQ(bash_complete("signatory-cli", {"", "import", "--"}),
            (Words{"--base-dir", "--config", "--from", "--help", "--json-log", "--log", "--opt",
                   "--password", "--vault"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "generate", "-"}),
            (Words{"--base-dir", "--config", "--format", "--help", "--json-log", "--log", "--num",
                   "--opt", "--type", "--vault", "-c", "-h", "-n", "-o", "-t", "-v"}));
  EXPECT_EQ(bash_complete("signatory", {"", "serve", "--b"}),
            (Words{"--base-dir", "--body-limit"}));
}

TEST(BashCompletion, CompletesKeyTypesFormatsAndLevels) {
  EXPECT_EQ(bash_complete("signatory-cli", {"", "generate", "-t", ""}),
            (Words{"bls", "ed25519", "p256", "secp256k1", "tz1", "tz2", "tz3", "tz4"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "generate", "--type", "tz"}),
            (Words{"tz1", "tz2", "tz3", "tz4"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "list", "--format", ""}),
            (Words{"current", "json", "legacy"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "--log", "d"}), (Words{"debug"}));
  // `--type=` as bash splits it (`=` is a word break): --type, =, the value.
  EXPECT_EQ(bash_complete("signatory-cli", {"", "generate", "--type", "=", "tz"}),
            (Words{"tz1", "tz2", "tz3", "tz4"}));
  // After an option's value, commands and flags again.
  EXPECT_EQ(bash_complete("signatory-cli", {"", "generate", "-t", "tz2", "--n"}), (Words{"--num"}));
}

TEST(BashCompletion, CompletesVaultNamesFromTheConfig) {
  TwoVaults cfg;
  EXPECT_EQ(bash_complete("signatory-cli", {"", "-c", cfg.config, "import", "--vault", ""}),
            (Words{"cold", "hot"}));
  EXPECT_EQ(
      bash_complete("signatory-cli", {"", "--config", "=", cfg.config, "generate", "-v", "c"}),
      (Words{"cold"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "-c", cfg.config, "import", "--vault", "=", ""}),
            (Words{"cold", "hot"}));
  // No readable config: nothing, quietly.
  EXPECT_EQ(
      bash_complete("signatory-cli", {"", "-c", "/nonexistent.yaml", "import", "--vault", ""}),
      (Words{}));
}

TEST(BashCompletion, CompletesFileNamesForFilesAndNothingForSecrets) {
  TempDir dir;
  dir.write("baker.pem", "x");
  dir.write("backup.json", "x");
  EXPECT_EQ(bash_complete("signatory-cli", {"", "import", "-v", "hot", "-f", "ba"}, dir.path()),
            (Words{"backup.json", "baker.pem"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "-c", "bak"}, dir.path()), (Words{"baker.pem"}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "import", "--password", "ba"}, dir.path()),
            (Words{}));
  EXPECT_EQ(bash_complete("signatory-cli", {"", "import", "-v", "hot", "ba"}, dir.path()),
            (Words{}))
      << "secret keys are not file names";
}

TEST(BashCompletion, BuildWroteTheSameScripts) {
  for (const std::string binary : {"signatory-cli", "signatory"}) {
    const std::string built = read_file(kBuild + "/completion/bash/" + binary);
    if (built.empty()) GTEST_SKIP() << "the `completions` target was not built";
    EXPECT_EQ(built, run_binary(binary, "completion bash").out);
    EXPECT_EQ(read_file(kBuild + "/completion/zsh/_" + binary),
              run_binary(binary, "completion zsh").out);
    EXPECT_EQ(read_file(kBuild + "/completion/fish/" + binary + ".fish"),
              run_binary(binary, "completion fish").out);
  }
}

// ---- fish ----

std::vector<std::string> fish_complete(const std::string& line) {
  return run_script("fish --no-config", "set -x PATH " + sh_quoted(kBuild) +
                                            " $PATH\n"
                                            "signatory-cli completion fish | source\n"
                                            "signatory completion fish | source\n"
                                            "complete -C" +
                                            sh_quoted(line) + "\n");
}

TEST(FishCompletion, ScriptsParse) {
  if (!have("fish")) GTEST_SKIP() << "fish is not installed (scripts/install-deps installs it)";
  for (const std::string binary : {"signatory-cli", "signatory"}) {
    auto r = run_shell(kBuild + "/" + binary + " completion fish | fish --no-config --no-execute");
    EXPECT_EQ(r.exit_code, 0) << binary << ": " << r.err;
  }
}

TEST(FishCompletion, CompletesCommandsFlagsAndValues) {
  if (!have("fish")) GTEST_SKIP() << "fish is not installed (scripts/install-deps installs it)";
  EXPECT_EQ(fish_complete("signatory-cli li"),
            (Words{"list\tList public keys",
                   "list-ops\tPrint possible operation types inside the `generic` request",
                   "list-requests\tPrint possible request types"}));
  EXPECT_EQ(fish_complete("signatory-cli generate -t tz"), (Words{"tz1", "tz2", "tz3", "tz4"}));
  EXPECT_EQ(fish_complete("signatory-cli import --pa"),
            (Words{"--password\tPassword of encrypted keys (prompted for when absent)"}));
  EXPECT_EQ(fish_complete("signatory serve --no"),
            (Words{"--no-list\tDo not log the key list at start"}));
  TwoVaults cfg;
  EXPECT_EQ(fish_complete("signatory-cli -c " + cfg.config + " import --vault "),
            (Words{"cold", "hot"}));
  EXPECT_EQ(fish_complete("signatory-cli --config=" + cfg.config + " generate --vault=h"),
            (Words{"--vault=hot"}));
}

// ---- zsh ----

TEST(ZshCompletion, ScriptsParse) {
  if (!have("zsh")) GTEST_SKIP() << "zsh is not installed (scripts/install-deps installs it)";
  for (const std::string binary : {"signatory-cli", "signatory"}) {
    TempDir dir;
    dir.write("_" + binary, run_binary(binary, "completion zsh").out);
    auto r = run_shell("zsh -n " + dir.file("_" + binary));
    EXPECT_EQ(r.exit_code, 0) << binary << ": " << r.err;
    EXPECT_EQ(read_file(dir.file("_" + binary)).rfind("#compdef " + binary + "\n", 0), 0u);
  }
}

// What the zsh function hands to compsys, with compadd/_describe/_files recording their
// candidates (compsys itself then filters them by the prefix typed).
std::vector<std::string> zsh_candidates(const std::vector<std::string>& words) {
  std::string array;
  for (const auto& w : words) array += " " + sh_quoted(w);
  return run_script(
      "zsh -f",
      "compdef() { : }\n"
      "compset() { : }\n"
      "compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -rl -- \"$@\" }\n"
      "_describe() { print -rl -- \"${(@P)4}\" }\n"
      "_files() { print -r -- '<files>' }\n"
      "source <(" +
          sh_quoted(kBuild + "/signatory-cli") +
          " completion zsh)\n"
          "words=(" +
          sh_quoted(kBuild + "/signatory-cli") + array +
          ")\n"
          "CURRENT=${#words}\n"
          "_signatory-cli\n");
}

TEST(ZshCompletion, HandsCompsysTheRightCandidates) {
  if (!have("zsh")) GTEST_SKIP() << "zsh is not installed (scripts/install-deps installs it)";
  const auto commands = zsh_candidates({"li"});
  EXPECT_NE(std::find(commands.begin(), commands.end(), "list:List public keys"), commands.end());
  EXPECT_NE(
      std::find(commands.begin(), commands.end(), "list-requests:Print possible request types"),
      commands.end());
  EXPECT_EQ(commands.size(), commands_in_help("signatory-cli", "").size());
  EXPECT_EQ(zsh_candidates({"generate", "-t", ""}),
            (Words{"bls", "ed25519", "p256", "secp256k1", "tz1", "tz2", "tz3", "tz4"}));
  TwoVaults cfg;
  EXPECT_EQ(zsh_candidates({"-c", cfg.config, "import", "--vault", ""}), (Words{"cold", "hot"}));
  EXPECT_EQ(zsh_candidates({"-c", ""}), (Words{"<files>"}));
  EXPECT_EQ(zsh_candidates({"-c", cfg.config, "generate", "--vault=c"}), (Words{"cold", "hot"}));
}

}  // namespace
}  // namespace signatory::testing
