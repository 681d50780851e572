// The help text of a command, in the layout of Signatory's CLI (cobra's default help and
// pflag's flag table), so a user of Signatory reads the same screen:
//
//   <long description>
//
//   Usage:
//     signatory-cli import [secret-key] [flags]      (a command that does something)
//     signatory-cli watermark [command]              (a command with subcommands)
//
//   Aliases:                                         (if any)
//     version, v
//
//   Available Commands:                              (sorted; names padded to at least 11)
//     list          List public keys
//
//   Flags:                                           (the command's own, sorted by long name)
//     -v, --vault string   Vault name ... (default "…")
//
//   Global Flags:                                    (the root's persistent flags)
//
//   Use "signatory-cli watermark [command] --help" for more information about a command.
//
// Pure function of the tree; single-threaded like the tree.
#pragma once

#include <string>

#include "cli/command_tree.h"

namespace signatory::cli {

std::string command_help(const CommandTree& tree, const CLI::App& command);

}  // namespace signatory::cli
