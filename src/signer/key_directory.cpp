// The key cache, its listings and the background refresher (see key_directory.h).
#include "signer/key_directory.h"

#include "common/log.h"

namespace signatory::signer {

KeyDirectory::KeyDirectory(const config::Config& config, std::vector<NamedVault> vaults,
                           KeyDirectoryOptions options)
    : config_(config), vaults_(std::move(vaults)), options_(options) {
  for (const auto& nv : vaults_) {
    std::size_t limit = nv.vault->max_concurrent_calls();
    bulkheads_.push_back(limit == 0 ? nullptr
                                    : std::make_unique<Bulkhead>("vault `" + nv.config_name +
                                                                     "' (" +
                                                                     nv.vault->type_label() + ")",
                                                                 limit));
  }
}

KeyDirectory::~KeyDirectory() {
  {
    std::lock_guard lock(refresh_mutex_);
    stopping_ = true;
  }
  refresh_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

std::size_t KeyDirectory::blocking_call_budget() const {
  std::size_t total = 0;
  for (const auto& b : bulkheads_)
    if (b) total += b->limit();
  return total;
}

std::vector<KeyEntry> KeyDirectory::list_now(bool strict) {
  std::lock_guard lock(listing_mutex_);
  return list_locked(strict);
}

std::vector<KeyEntry> KeyDirectory::list_locked(bool strict) {
  {
    std::lock_guard lock(refresh_mutex_);
    last_listing_start_ = Clock::now();
  }
  std::vector<KeyEntry> entries;
  std::map<tezos::PublicKeyHash, FoundKey> fresh;
  std::vector<ListingError> errors;
  for (std::size_t i = 0; i < vaults_.size(); ++i) {
    const NamedVault& nv = vaults_[i];
    std::vector<std::shared_ptr<vault::Key>> keys;
    try {
      keys = nv.vault->list();
    } catch (const Error& e) {
      log::error(std::string("Error listing keys: ") + e.what(),
                 {{"vault", nv.vault->type_label()}, {"vault_name", nv.config_name}});
      errors.push_back({nv.config_name, e});
      continue;
    }
    if (keys.empty()) log::error("No valid keys found in the vault " + nv.config_name);
    for (auto& key : keys) {
      tezos::PublicKeyHash pkh = key->public_key().hash();
      entries.push_back({key, nv.vault->type_label(), nv.config_name, config_.policy_for(pkh)});
      fresh.emplace(pkh, FoundKey{key, nv.vault->type_label(), nv.config_name,
                                  bulkheads_[i].get()});  // first vault wins
    }
  }
  {
    std::unique_lock cache_lock(cache_mutex_);
    // A vault that could not list now keeps the keys it had: a KMS outage must not make
    // known keys unknown.
    for (const auto& failed : errors)
      for (const auto& [pkh, cached] : cache_)
        if (cached.vault_config_name == failed.vault_config_name) fresh.emplace(pkh, cached);
    cache_ = std::move(fresh);
    listing_errors_ = errors;
  }
  listings_.fetch_add(1);
  listed_once_.store(true);
  if (strict && !errors.empty()) throw errors.front().error;
  return entries;
}

std::optional<FoundKey> KeyDirectory::find(const tezos::PublicKeyHash& pkh) {
  {
    std::shared_lock lock(cache_mutex_);
    if (auto it = cache_.find(pkh); it != cache_.end()) return it->second;
  }
  if (!listed_once_.load()) {
    // Nothing known yet: the first lookup lists, the ones arriving meanwhile wait for it.
    std::lock_guard listing(listing_mutex_);
    if (!listed_once_.load()) list_locked(false);
  } else {
    request_refresh();
  }
  std::shared_lock lock(cache_mutex_);
  if (auto it = cache_.find(pkh); it != cache_.end()) return it->second;
  // Not found: when a vault could not be listed, that is the answer (it may hold the key).
  if (!listing_errors_.empty()) throw listing_errors_.front().error;
  return std::nullopt;
}

void KeyDirectory::request_refresh() {
  std::lock_guard lock(refresh_mutex_);
  if (stopping_ || refresh_pending_) return;
  refresh_pending_ = true;
  if (!refresher_.joinable()) refresher_ = std::thread([this] { refresher_loop(); });
  refresh_cv_.notify_all();
}

void KeyDirectory::wait_refreshed() {
  std::unique_lock lock(refresh_mutex_);
  refresh_cv_.wait(lock, [&] { return stopping_ || (!refresh_pending_ && !refresh_running_); });
}

void KeyDirectory::refresher_loop() {
  std::unique_lock lock(refresh_mutex_);
  while (true) {
    refresh_cv_.wait(lock, [&] { return stopping_ || refresh_pending_; });
    if (stopping_) break;
    // Rate limit: at most one listing start per interval, whoever started the last one.
    Clock::time_point next = last_listing_start_ + options_.relist_interval;
    if (Clock::now() < next && refresh_cv_.wait_until(lock, next, [&] { return stopping_; }))
      break;
    refresh_pending_ = false;
    refresh_running_ = true;
    lock.unlock();
    try {
      std::lock_guard listing(listing_mutex_);
      list_locked(false);  // errors are recorded and logged there
    } catch (const std::exception& e) {
      log::error(std::string("Error listing keys: ") + e.what());
    }
    lock.lock();
    refresh_running_ = false;
    refresh_cv_.notify_all();
  }
  refresh_pending_ = false;
  refresh_cv_.notify_all();
}

std::string KeyDirectory::listing_problem() {
  std::shared_lock lock(cache_mutex_);
  std::string out;
  for (const auto& failed : listing_errors_)
    out += (out.empty() ? "" : "; ") +
           ("vault `" + failed.vault_config_name + "': " + failed.error.what());
  return out;
}

}  // namespace signatory::signer
