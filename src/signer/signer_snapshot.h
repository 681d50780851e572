// One generation of what the server answers with, and the slot holding the current one.
//
// A `SignerSnapshot` is everything a request needs that `signatory.yaml` decides: the loaded
// Config, the Signer built on it (policies, authorized keys, the vault set and its key cache)
// and the JWT users. It is immutable once published (the Signer inside is thread-safe as
// signer.h says). `SnapshotHolder` is the one mutable place: an atomic shared_ptr that a
// request reads once, at its start, and then uses to the end; a reload (SIGHUP,
// cli/config_reload.h) builds a whole new snapshot beside the running one and swaps it in with
// replace(). Requests in flight finish on the snapshot they started with; the old snapshot
// (and the vaults only it uses) is freed when its last request ends. The watermark store is
// shared by every generation and never swapped.
//
// Thread-safety: current() and replace() may be called from any thread at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "auth/jwt_auth.h"
#include "config/config.h"
#include "signer/signer.h"

namespace signatory::signer {

struct SignerSnapshot {
  std::shared_ptr<const config::Config> config;
  std::vector<NamedVault> vaults;  // the vaults the Signer was built with (shared with it)
  std::shared_ptr<Signer> signer;  // built on *config and these vaults
  std::shared_ptr<const auth::JwtAuthenticator> jwt;  // null when there are no JWT users
  std::uint64_t generation = 1;  // 1 for the config loaded at start, +1 per accepted reload
};

// Builds a snapshot over `config` (taken over), the opened `vaults` and the shared store.
// Throws what the JWT authenticator throws for credentials it refuses.
std::shared_ptr<const SignerSnapshot> make_snapshot(config::Config config,
                                                    std::vector<NamedVault> vaults,
                                                    std::shared_ptr<watermark::Watermark> watermark,
                                                    SignObserver* observer,
                                                    std::uint64_t generation = 1);

class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const SignerSnapshot> first);
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;

  // The snapshot in force now; a request calls this once and keeps the pointer to its end.
  std::shared_ptr<const SignerSnapshot> current() const;
  // Publishes `next` (not null); returns the snapshot it replaced.
  std::shared_ptr<const SignerSnapshot> replace(std::shared_ptr<const SignerSnapshot> next);

 private:
  std::atomic<std::shared_ptr<const SignerSnapshot>> current_;
};

}  // namespace signatory::signer
