// Connection slots and the table of live connections (see connection_registry.h).
#include "server/http/connection_registry.h"

#include <vector>

namespace signatory::server::detail {

bool ConnectionRegistry::acquire_slot() {
  std::size_t current = active_.load(std::memory_order_relaxed);
  do {
    if (current >= max_connections_) return false;
  } while (!active_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel));
  return true;
}

void ConnectionRegistry::release_slot() {
  if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard lock(mutex_);
    idle_.notify_all();
  }
}

bool ConnectionRegistry::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [&] { return active_.load() == 0; });
}

void ConnectionRegistry::add(const std::shared_ptr<HttpConnectionBase>& connection) {
  std::lock_guard lock(mutex_);
  connections_.emplace(connection.get(), connection);
}

void ConnectionRegistry::remove(const HttpConnectionBase* connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);
}

void ConnectionRegistry::notify_all(bool force) {
  std::vector<std::shared_ptr<HttpConnectionBase>> live;
  {
    std::lock_guard lock(mutex_);
    live.reserve(connections_.size());
    for (auto& [key, weak] : connections_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) {
    if (force) {
      c->notify_close();
    } else {
      c->notify_stopping();
    }
  }
}

}  // namespace signatory::server::detail
