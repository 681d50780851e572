// The command tree of one binary (`signatory`, `signatory-cli`): the CLI11 apps of its commands
// and options, plus what CLI11 does not hold and both the help text (command_help.h) and the
// shell completion scripts (shell_completion.h) read from this same tree, so neither can drift
// from the commands: a command's long description, whether a command does something by itself
// (cobra's "runnable"), which root flags every command accepts ("persistent"), and how the
// value of an option or the positional arguments complete.
//
// `run` gives both binaries the command-line behaviour of Signatory's cobra commands:
//   - `-h/--help` on every command, and `help [command...]`: the help, on stdout, exit 0;
//   - a command with subcommands that does nothing by itself (bare `signatory-cli`,
//     `signatory-cli watermark`): its help, exit 0;
//   - `completion bash|zsh|fish`: the completion script, on stdout;
//   - an unknown command, flag or argument, or another usage error: one line
//     `Error: <what>` and the hint `Run '<command> --help' for usage.` on stderr, exit 2.
// Single-threaded; the tree lives for the whole of main().
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace signatory::cli {

// How a value (of an option, or a command's positional arguments) is completed.
enum class ValueCompletion {
  Files,        // file names (the default, as in cobra)
  Directories,  // directory names
  ConfigFile,   // file names; the value is also the config the vault names are read from
  Words,        // a fixed list
  Vaults,       // the vault names of the config (read by the hidden command kVaultNamesCommand)
  Commands,     // the root's commands (`help <command>`)
  None,         // nothing to offer (secrets, numbers)
};

struct ValueHint {
  ValueCompletion kind = ValueCompletion::Files;
  std::vector<std::string> words;  // for Words
};

class CommandTree {
 public:
  // The hidden command the completion scripts run for vault names: it prints the names of the
  // `vaults:` of the config (`-c`), one per line, and nothing when the config cannot be read.
  static constexpr const char* kVaultNamesCommand = "__complete-vaults";

  // The root command, with `help` and `completion` already in it.
  CommandTree(const std::string& name, const std::string& description);
  CommandTree(const CommandTree&) = delete;
  CommandTree& operator=(const CommandTree&) = delete;

  CLI::App& root() { return root_; }
  const CLI::App& root() const { return root_; }

  // ---- Building ----
  // The text at the top of the command's help (default: its one-line description).
  void set_long_description(const CLI::App& command, std::string text);
  // The command does something without a subcommand (`signatory` serves). Commands without
  // subcommands always do.
  void set_runnable(const CLI::App& command);
  // A root option every command accepts (cobra's persistent flags: -c, --log, ...).
  void set_persistent(const CLI::Option& option);
  void set_completion(const CLI::Option& option, ValueHint hint);
  // Adds the hidden kVaultNamesCommand, printing what `names` returns (called after parsing,
  // so it sees the global flags). Its errors are swallowed: completion must stay quiet.
  void add_vault_names(std::function<std::vector<std::string>()> names);

  // Parses the command line and does what the header says; otherwise calls `body` (the parsed
  // command is then the one whose `parsed()` is true). Returns the process exit code.
  int run(int argc, const char* const* argv, const std::function<int()>& body);

  // ---- Reading (help text, completion scripts) ----
  // "signatory-cli watermark export"
  std::string path(const CLI::App& command) const;
  std::string long_description(const CLI::App& command) const;
  bool runnable(const CLI::App& command) const;
  // Visible subcommands, sorted by name (as cobra lists them).
  std::vector<const CLI::App*> commands(const CLI::App& command) const;
  // Visible options of the command itself (with -h/--help), sorted by long name.
  std::vector<const CLI::Option*> local_flags(const CLI::App& command) const;
  // Persistent options of its ancestors that the command does not redefine, sorted.
  std::vector<const CLI::Option*> inherited_flags(const CLI::App& command) const;
  std::vector<const CLI::Option*> positionals(const CLI::App& command) const;
  ValueHint completion(const CLI::Option& option) const;
  bool has_vault_names() const { return vault_names_ != nullptr; }
  // The option whose value is the config path (hint ConfigFile), or nullptr.
  const CLI::Option* config_option() const;

 private:
  int print_help(const CLI::App& command) const;
  int usage_error(const CLI::App& command, const std::string& message) const;
  int run_help_command() const;
  int run_completion_command() const;

  CLI::App root_;
  CLI::App* help_ = nullptr;
  CLI::App* completion_ = nullptr;
  CLI::App* vault_names_ = nullptr;
  std::vector<std::string> help_topic_;
  std::function<std::vector<std::string>()> list_vault_names_;
  std::map<const CLI::App*, std::string> long_descriptions_;
  std::set<const CLI::App*> runnable_;
  std::set<const CLI::Option*> persistent_;
  std::map<const CLI::Option*, ValueHint> completions_;
};

// The sort key of an option in help and completion: its long name, else its short one.
std::string option_sort_name(const CLI::Option& option);
// Whether the option takes a value (`--vault NAME`) rather than being a flag (`--json-log`).
bool takes_value(const CLI::Option& option);

}  // namespace signatory::cli
