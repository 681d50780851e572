// Reloading `signatory.yaml` in a running server (SIGHUP; docs/reload.md).
//
// ConfigReloader::reload() loads the file again and, when it passes the validation the server
// runs at start (cli/config_check.h), builds a whole new SignerSnapshot (policies, authorized
// keys, JWT users, vaults) beside the running one and swaps it in (signer/signer_snapshot.h):
// requests in flight finish on the snapshot they started with, connections stay open. A config
// that does not load is refused: each problem is logged with its file and line and the
// running snapshot stays in force. `signatory_config_reloads_total{result="success|failure"}`
// counts both.
//
// Not reloaded: the listen addresses, TLS settings, base_dir and the watermark store (a log
// line names each that differs; the running value stays, also in the new snapshot's Config).
// Vaults: `file` and `mem` vaults are always opened again (their keys are read anew). A reload
// never prompts: an encrypted key needs its password_file or password_env; on a server started
// on a terminal, a key that would need the prompt refuses the reload (instead of vanishing).
// Other vaults (KMS) are kept as they are, without a network call, when their name, driver and
// config are unchanged; a new or changed one is opened, and if it cannot be, the reload is
// refused. One that could not be opened before and is unchanged is tried again and, as at
// start, skipped if it still cannot be opened.
//
// Thread-safety: reload() runs on one thread at a time (the server calls it from its SIGHUP
// handler, which is re-armed only after it returns); requests run concurrently on the holder.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/app_context.h"
#include "server/metrics.h"
#include "signer/signer_snapshot.h"
#include "watermark/core/watermark.h"

namespace signatory::cli {

// The settings of `next` a reload does not apply because they differ from `running`'s:
// "server.address", "server.utility_address", "server.tls", "base_dir", "watermark".
std::vector<std::string> settings_not_reloaded(const config::Config& running,
                                               const config::Config& next);

// The vaults of `next`, for the snapshot that replaces `running` (the rules in the header).
// Problems that refuse the reload are appended to `problems`.
std::vector<signer::NamedVault> reopen_vaults(const config::Config& next,
                                              const signer::SignerSnapshot& running,
                                              std::vector<Error>& problems);

// The start-up log of a snapshot: its keys (unless `list_keys` is false) and its authorized
// keys. A vault that cannot list now is logged, not thrown.
void log_snapshot(const signer::SignerSnapshot& snapshot, bool list_keys);

class ConfigReloader {
 public:
  // `metrics` may be null; its reload counters are created (at 0) here.
  ConfigReloader(GlobalFlags flags, signer::SnapshotHolder& snapshots,
                 std::shared_ptr<watermark::Watermark> watermark, server::Metrics* metrics);

  // Loads the config file again and publishes it. Returns true when the new snapshot is in
  // force; false (logged, counted) when the old one stays. Never throws.
  bool reload();

 private:
  std::shared_ptr<const signer::SignerSnapshot> build(const signer::SignerSnapshot& running);
  void count(bool success);

  GlobalFlags flags_;
  signer::SnapshotHolder& snapshots_;
  std::shared_ptr<watermark::Watermark> watermark_;
  server::Metrics* metrics_;
};

}  // namespace signatory::cli
