// Shell completion scripts (bash, zsh, fish) generated from a binary's command tree, so they
// complete exactly the commands, flags and values the binary has: subcommands (and their
// aliases), the flags of the command being typed plus the root's persistent ones, and option
// values as the tree's hints say (fixed words such as the -t key types, file or directory
// names, the config's vault names read by running the binary's hidden
// CommandTree::kVaultNamesCommand with the `-c` typed on the line).
//
// Each script holds the tree as data (one `case` entry per command path) and a small walker
// that follows the words typed so far through it; bash and zsh share the walker's text, fish
// has its own. The build writes the scripts with the binary itself (cmake/completion.cmake).
// Pure function of the tree; single-threaded like the tree.
#pragma once

#include <string>

#include "cli/command_tree.h"

namespace signatory::cli {

// `shell` is bash, zsh or fish (the subcommands of `completion`); anything else gives "".
std::string completion_script(const CommandTree& tree, const std::string& shell);

}  // namespace signatory::cli
