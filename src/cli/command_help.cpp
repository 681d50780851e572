// Help text in cobra's layout (see command_help.h).
#include "cli/command_help.h"

#include <algorithm>

namespace signatory::cli {
namespace {

constexpr std::size_t kMinNamePadding = 11;

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.pop_back();
  return s;
}

// pflag's name for the value: `string`, `int`, `uint`, … from CLI11's TEXT, INT, UINT.
std::string value_name(const CLI::Option& option) {
  std::string type = option.get_type_name();
  if (type == "TEXT") return "string";
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

bool zero_default(const std::string& value) {
  return value.empty() || value == "0" || value == "false";
}

// pflag's table: `  -c, --config string` / `      --base-dir string`, the descriptions in one
// column three spaces after the longest left part.
std::string flag_table(const std::vector<const CLI::Option*>& options, const CLI::App& owner) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::size_t width = 0;
  for (const CLI::Option* o : options) {
    const auto& shorts = o->get_snames();
    const auto& longs = o->get_lnames();
    std::string left;
    if (!shorts.empty() && !longs.empty())
      left = "  -" + shorts.front() + ", --" + longs.front();
    else if (!longs.empty())
      left = "      --" + longs.front();
    else
      left = "  -" + shorts.front();
    std::string description =
        o == owner.get_help_ptr() ? "help for " + owner.get_name() : o->get_description();
    if (takes_value(*o)) {
      const std::string type = value_name(*o);
      left += " " + type;
      const std::string fallback = o->get_default_str();
      if (!zero_default(fallback))
        description += " (default " + (type == "string" ? quoted(fallback) : fallback) + ")";
    }
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), std::move(description));
  }
  std::string out;
  for (const auto& [left, description] : rows)
    out += left + std::string(width - left.size() + 3, ' ') + description + "\n";
  return trim_right(out);
}

std::string positional_usage(const CommandTree& tree, const CLI::App& command) {
  std::string out;
  for (const CLI::Option* p : tree.positionals(command)) {
    const std::string name = p->get_name();
    out += p->get_required() ? " <" + name + ">" : " [" + name + "]";
  }
  return out;
}

}  // namespace

std::string command_help(const CommandTree& tree, const CLI::App& command) {
  std::string out;
  const std::string intro = trim_right(tree.long_description(command));
  if (!intro.empty()) out += intro + "\n\n";
  const std::string path = tree.path(command);
  const auto subcommands = tree.commands(command);
  const auto local = tree.local_flags(command);
  const auto inherited = tree.inherited_flags(command);

  out += "Usage:";
  if (tree.runnable(command)) {
    out += "\n  " + path + positional_usage(tree, command);
    if (!local.empty() || !inherited.empty()) out += " [flags]";
  }
  if (!subcommands.empty()) out += "\n  " + path + " [command]";
  if (!command.get_aliases().empty()) {
    out += "\n\nAliases:\n  " + command.get_name();
    for (const auto& alias : command.get_aliases()) out += ", " + alias;
  }
  if (!subcommands.empty()) {
    std::size_t padding = kMinNamePadding;
    for (const CLI::App* sub : subcommands) padding = std::max(padding, sub->get_name().size());
    out += "\n\nAvailable Commands:";
    for (const CLI::App* sub : subcommands)
      out += "\n  " + sub->get_name() + std::string(padding - sub->get_name().size(), ' ') + " " +
             sub->get_description();
  }
  if (!local.empty()) out += "\n\nFlags:\n" + flag_table(local, command);
  if (!inherited.empty()) out += "\n\nGlobal Flags:\n" + flag_table(inherited, command);
  if (!subcommands.empty())
    out += "\n\nUse \"" + path + " [command] --help\" for more information about a command.";
  return out + "\n";
}

}  // namespace signatory::cli
