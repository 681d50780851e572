// Where the Signer finds a key: a cache of every usable key of every vault (config order, the
// first vault holding a key wins), filled by listing the vaults. A vault whose listing fails
// keeps the keys it listed before, and its error answers for keys nobody knows (it may hold
// them) and is reported by listing_problem().
//
// Lookups never wait on a vault once a first listing has completed: a key nobody knows is
// answered at once from what is known (not found, or the failed vault's error), and asks the
// refresher thread for a new listing. The refresher lists at most one at a time (single
// flight: requests made meanwhile coalesce into one more listing) and starts a listing at most
// once per `relist_interval`, so strangers asking for random keys cost at most one listing per
// interval, never a request thread. Before the first listing, the first lookup lists (the
// others wait for it: there is nothing to answer from yet).
//
// Each vault whose backend is remote (Vault::max_concurrent_calls() > 0) gets a Bulkhead,
// handed out with its keys: the signer holds a place in it for every call to such a key.
//
// Thread-safe: every member may be called from several threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "config/config.h"
#include "signer/bulkhead.h"
#include "tezos/keys.h"
#include "vault/vault.h"

namespace signatory::signer {

struct NamedVault {
  std::string config_name;  // the vault's name under `vaults:` (the `vault_name` log field)
  // Shared: a reload (signer_snapshot.h) may keep a vault whose config did not change.
  std::shared_ptr<vault::Vault> vault;
};

// A key as the CLI and the start-up log show it.
struct KeyEntry {
  std::shared_ptr<vault::Key> key;
  std::string vault_type;                     // Vault::type_label() (`File`, `AWSKMS`)
  std::string vault_config_name;              // the vault's name under `vaults:`
  const config::KeyPolicy* policy = nullptr;  // null when the key is not in `tezos:`
};

// A key found by the directory, with the bulkhead of its vault (null for a local vault).
struct FoundKey {
  std::shared_ptr<vault::Key> key;
  std::string vault_type;         // Vault::type_label()
  std::string vault_config_name;  // the vault's name under `vaults:`
  Bulkhead* bulkhead = nullptr;   // owned by the directory, lives as long as it
};

struct KeyDirectoryOptions {
  // The least time between the starts of two background listings.
  std::chrono::milliseconds relist_interval{5000};
};

class KeyDirectory {
 public:
  KeyDirectory(const config::Config& config, std::vector<NamedVault> vaults,
               KeyDirectoryOptions options = {});
  ~KeyDirectory();  // stops the refresher (waits for a listing in progress)
  KeyDirectory(const KeyDirectory&) = delete;
  KeyDirectory& operator=(const KeyDirectory&) = delete;

  // The key; nullopt when no vault holds it as far as is known; throws the error of a vault
  // whose last listing failed when the key is unknown (see above).
  std::optional<FoundKey> find(const tezos::PublicKeyHash& pkh);
  // Lists every vault now, on this thread (CLI, start-up log) and refreshes the cache; with
  // `strict` the first vault error is rethrown after the other vaults were listed.
  std::vector<KeyEntry> list_now(bool strict);
  // Asks the refresher for a listing (returns at once).
  void request_refresh();
  // Waits until no listing is asked for or running (tests, orderly shutdown).
  void wait_refreshed();
  // Errors of the last listing: "vault `<name>': <error>" joined by "; ", config order; empty
  // when none.
  std::string listing_problem();

  const std::vector<NamedVault>& vaults() const { return vaults_; }
  // Σ of the bulkhead limits: how many request threads remote backends may hold at once.
  std::size_t blocking_call_budget() const;
  // Listings run so far (each lists every vault once).
  std::uint64_t listings() const { return listings_.load(); }

 private:
  // Lists under listing_mutex_ (held by the caller).
  std::vector<KeyEntry> list_locked(bool strict);
  void refresher_loop();

  using Clock = std::chrono::steady_clock;
  const config::Config& config_;
  const std::vector<NamedVault> vaults_;
  std::vector<std::unique_ptr<Bulkhead>> bulkheads_;  // per vault, null for a local vault
  const KeyDirectoryOptions options_;

  std::shared_mutex cache_mutex_;
  std::map<tezos::PublicKeyHash, FoundKey> cache_;
  struct ListingError {
    std::string vault_config_name;
    Error error;
  };
  std::vector<ListingError> listing_errors_;  // of the last listing; guarded by cache_mutex_
  std::atomic<bool> listed_once_{false};
  std::atomic<std::uint64_t> listings_{0};
  std::mutex listing_mutex_;  // one listing at a time

  std::mutex refresh_mutex_;  // guards what follows
  std::condition_variable refresh_cv_;
  bool refresh_pending_ = false;
  bool refresh_running_ = false;
  bool stopping_ = false;
  Clock::time_point last_listing_start_{};
  std::thread refresher_;  // started by the first request_refresh()
};

}  // namespace signatory::signer
