// The command tree of a binary and its command-line behaviour (see command_tree.h).
#include "cli/command_tree.h"

#include <algorithm>
#include <iostream>

#include "cli/command_help.h"
#include "cli/shell_completion.h"

namespace signatory::cli {
namespace {

constexpr const char* kShells[] = {"bash", "zsh", "fish"};

// How to load each shell's script; shown by `completion <shell> --help`.
std::string completion_instructions(const std::string& shell, const std::string& program) {
  const std::string script = program + " completion " + shell;
  if (shell == "bash")
    return "Generate the autocompletion script for bash.\n\n"
           "Load it into the current shell with\n\n"
           "\tsource <(" +
           script +
           ")\n\n"
           "and into every new shell, for all users, with\n\n"
           "\t" +
           script + " > /etc/bash_completion.d/" + program +
           "\n\n"
           "(a package or `cmake --install` puts it in share/bash-completion/completions).\n";
  if (shell == "zsh")
    return "Generate the autocompletion script for zsh.\n\n"
           "Completion must be enabled in zsh (`autoload -U compinit; compinit` in ~/.zshrc).\n"
           "Load the script into the current shell with\n\n"
           "\tsource <(" +
           script +
           ")\n\n"
           "and into every new shell with\n\n"
           "\t" +
           script + " > \"${fpath[1]}/_" + program +
           "\"\n\n"
           "(a package or `cmake --install` puts it in share/zsh/vendor-completions).\n";
  return "Generate the autocompletion script for fish.\n\n"
         "Load it into the current shell with\n\n"
         "\t" +
         script +
         " | source\n\n"
         "and into every new shell with\n\n"
         "\t" +
         script + " > ~/.config/fish/completions/" + program +
         ".fish\n\n"
         "(a package or `cmake --install` puts it in share/fish/vendor_completions.d).\n";
}

// The command the parse ended in: the last of the chain of selected subcommands.
const CLI::App& selected(const CLI::App& root) {
  const CLI::App* app = &root;
  while (!app->get_subcommands().empty()) app = app->get_subcommands().front();
  return *app;
}

// Cobra's persistent-flag model on CLI11: every command passes options it does not know to its
// parent, and takes at most one subcommand.
void prepare(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->fallthrough();
    prepare(*sub);
  }
  if (!app.get_subcommands([](CLI::App*) { return true; }).empty()) app.require_subcommand(0, 1);
}

bool hidden(const CLI::App& app) {
  return app.get_group().empty();
}

}  // namespace

std::string option_sort_name(const CLI::Option& option) {
  if (!option.get_lnames().empty()) return option.get_lnames().front();
  if (!option.get_snames().empty()) return option.get_snames().front();
  return option.get_name();
}

bool takes_value(const CLI::Option& option) {
  return option.get_expected_max() > 0;
}

CommandTree::CommandTree(const std::string& name, const std::string& description)
    : root_(description, name) {
  root_.set_help_flag("-h,--help", "help for " + name);
  help_ = root_.add_subcommand("help", "Help about any command");
  set_long_description(*help_, "Print the help of any command: " + name + " help [command...]");
  set_completion(*help_->add_option("command", help_topic_, "The command to describe"),
                 {ValueCompletion::Commands, {}});
  completion_ = root_.add_subcommand("completion",
                                     "Generate the autocompletion script for the specified shell");
  set_long_description(*completion_,
                       "Generate the autocompletion script of " + name +
                           " for the specified shell.\n"
                           "See each sub-command's help for how to load the generated script.");
  for (const char* shell : kShells) {
    auto* sub = completion_->add_subcommand(
        shell, std::string("Generate the autocompletion script for ") + shell);
    set_long_description(*sub, completion_instructions(shell, name));
  }
}

void CommandTree::set_long_description(const CLI::App& command, std::string text) {
  long_descriptions_[&command] = std::move(text);
}

void CommandTree::set_runnable(const CLI::App& command) {
  runnable_.insert(&command);
}

void CommandTree::set_persistent(const CLI::Option& option) {
  persistent_.insert(&option);
}

void CommandTree::set_completion(const CLI::Option& option, ValueHint hint) {
  completions_[&option] = std::move(hint);
}

void CommandTree::add_vault_names(std::function<std::vector<std::string>()> names) {
  list_vault_names_ = std::move(names);
  vault_names_ = root_.add_subcommand(kVaultNamesCommand, "Print the vault names of the config");
  vault_names_->group("");  // hidden: for the completion scripts only
}

int CommandTree::run(int argc, const char* const* argv, const std::function<int()>& body) {
  prepare(root_);
  try {
    root_.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return print_help(selected(root_));
  } catch (const CLI::CallForAllHelp&) {
    return print_help(selected(root_));
  } catch (const CLI::ExtrasError& e) {
    const CLI::App& command = selected(root_);
    const std::vector<std::string> extras = root_.remaining(true);
    if (extras.empty()) return usage_error(command, e.what());
    const std::string& first = extras.front();
    if (first.size() > 1 && first[0] == '-') {
      const bool is_long = first.rfind("--", 0) == 0;
      const std::string flag = is_long ? first.substr(0, first.find('=')) : first.substr(0, 2);
      return usage_error(command, "unknown flag: " + flag);
    }
    if (!commands(command).empty())
      return usage_error(command,
                         "unknown command \"" + first + "\" for \"" + path(command) + "\"");
    return usage_error(command,
                       "unexpected argument \"" + first + "\" for \"" + path(command) + "\"");
  } catch (const CLI::ParseError& e) {
    return usage_error(selected(root_), e.what());
  }
  const CLI::App& command = selected(root_);
  if (&command == help_) return run_help_command();
  if (&command == vault_names_) {
    try {
      for (const auto& name : list_vault_names_()) std::cout << name << "\n";
    } catch (...) {  // an unreadable config: nothing to offer
    }
    return 0;
  }
  if (command.get_parent() == completion_) {
    std::cout << completion_script(*this, command.get_name());
    return 0;
  }
  if (!commands(command).empty() && !runnable(command)) return print_help(command);
  return body();
}

int CommandTree::print_help(const CLI::App& command) const {
  std::cout << command_help(*this, command) << std::flush;
  return 0;
}

int CommandTree::usage_error(const CLI::App& command, const std::string& message) const {
  std::cerr << "Error: " << message << "\nRun '" << path(command) << " --help' for usage.\n";
  return 2;
}

int CommandTree::run_help_command() const {
  const CLI::App* command = &root_;
  for (const auto& word : help_topic_) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : commands(*command))
      if (sub->check_name(word)) next = sub;
    if (next == nullptr)
      return usage_error(*command,
                         "unknown command \"" + word + "\" for \"" + path(*command) + "\"");
    command = next;
  }
  return print_help(*command);
}

std::string CommandTree::path(const CLI::App& command) const {
  std::string out = command.get_name();
  for (const CLI::App* p = command.get_parent(); p != nullptr; p = p->get_parent())
    out = p->get_name() + " " + out;
  return out;
}

std::string CommandTree::long_description(const CLI::App& command) const {
  auto it = long_descriptions_.find(&command);
  return it != long_descriptions_.end() ? it->second : command.get_description();
}

bool CommandTree::runnable(const CLI::App& command) const {
  return runnable_.count(&command) > 0 || commands(command).empty();
}

std::vector<const CLI::App*> CommandTree::commands(const CLI::App& command) const {
  auto subs = command.get_subcommands([](const CLI::App* a) { return !hidden(*a); });
  std::sort(subs.begin(), subs.end(),
            [](const CLI::App* a, const CLI::App* b) { return a->get_name() < b->get_name(); });
  return subs;
}

std::vector<const CLI::Option*> CommandTree::local_flags(const CLI::App& command) const {
  auto options = command.get_options(
      [](const CLI::Option* o) { return o->nonpositional() && !o->get_group().empty(); });
  std::sort(options.begin(), options.end(), [](const CLI::Option* a, const CLI::Option* b) {
    return option_sort_name(*a) < option_sort_name(*b);
  });
  return options;
}

std::vector<const CLI::Option*> CommandTree::inherited_flags(const CLI::App& command) const {
  std::set<std::string> seen;
  for (const CLI::Option* o : local_flags(command)) seen.insert(option_sort_name(*o));
  std::vector<const CLI::Option*> out;
  for (const CLI::App* p = command.get_parent(); p != nullptr; p = p->get_parent())
    for (const CLI::Option* o : local_flags(*p))
      if (persistent_.count(o) > 0 && seen.insert(option_sort_name(*o)).second) out.push_back(o);
  std::sort(out.begin(), out.end(), [](const CLI::Option* a, const CLI::Option* b) {
    return option_sort_name(*a) < option_sort_name(*b);
  });
  return out;
}

std::vector<const CLI::Option*> CommandTree::positionals(const CLI::App& command) const {
  return command.get_options([](const CLI::Option* o) { return o->get_positional(); });
}

ValueHint CommandTree::completion(const CLI::Option& option) const {
  auto it = completions_.find(&option);
  return it != completions_.end() ? it->second : ValueHint{};
}

const CLI::Option* CommandTree::config_option() const {
  for (const auto& [option, hint] : completions_)
    if (hint.kind == ValueCompletion::ConfigFile) return option;
  return nullptr;
}

}  // namespace signatory::cli
