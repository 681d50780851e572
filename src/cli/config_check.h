// What a config must pass before the signer serves it, and `signatory-cli config check`.
//
// server_config_problems() is the validation the server runs at start and on every reload
// (cli/config_reload.h) after loading the file: what the server refuses that the loader
// accepts (JWT users and server-level authorized keys together, a policy hook, JWT credentials
// too weak, watermark settings it cannot open). It opens and contacts nothing.
//
// check_config() is the command: it loads the file going on after each problem where the
// loader can (config::load_config_checked), runs server_config_problems(), opens every vault
// (the `file` and `mem` vaults read their keys; an `awskms` vault checks its settings but KMS is
// contacted only with `connect`), and reports every problem as "<file>:<line>: <what>". It
// starts nothing, takes no lock and writes nothing. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "cli/app_context.h"
#include "common/error.h"
#include "config/config.h"

namespace signatory::cli {

// Drivers whose keys are read from the local disk or the config (`file`, `mem`): opening them
// costs no network call, so a reload always opens them again (new keys are seen).
bool is_local_vault_driver(const std::string& driver);

// `error` as "<file>:<line>: <where>: <message>": unchanged when it already names `config_file`,
// else placed at `file`:`line` under the key path `where`.
Error placed(const Error& error, const std::string& config_file, int line,
             const std::string& where);

// Every problem the server would refuse `config` for, each naming file and line.
std::vector<Error> server_config_problems(const config::Config& config);

// The config the server starts with: loaded going on after each problem, then
// server_config_problems(); warnings are logged. When there are problems, all but the first
// are logged and the first is thrown (the server does not start).
config::Config load_server_config(const GlobalFlags& flags);

struct CheckOptions {
  bool connect = false;  // also list remote vaults (KMS) and open a PostgreSQL watermark store
};

struct CheckReport {
  std::vector<std::string> problems;  // "<file>:<line>: …", in file order where known
  std::vector<std::string> warnings;  // unknown keys, deprecated syntax, vaults without keys
  std::vector<std::string> notes;     // what was found: vaults and their keys, policies
};

CheckReport check_config(const GlobalFlags& flags, const CheckOptions& options);

// `signatory-cli config check`: prints the report on stdout (each problem as
// "<file>:<line>: …", each warning as "warning: …", then a summary line); returns 0 when there is
// no problem, 1 otherwise.
int config_check(const GlobalFlags& flags, const CheckOptions& options);

}  // namespace signatory::cli
