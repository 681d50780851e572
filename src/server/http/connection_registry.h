// The connections of one HTTP server as the server sees them from any thread: the slots
// (at most max_connections connections hold one; a connection gives its slot back when it
// starts closing), the live connections (to tell them the server stops), and the wait for the
// last slot to be given back.
//
// Thread-safety: every method may be called from any thread; the slot count is atomic, the
// table of live connections is guarded by a mutex (taken once per connection, at its start and
// end, never per request).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace signatory::server::detail {

// The part of a connection the server may reach from another thread.
class HttpConnectionBase {
 public:
  virtual ~HttpConnectionBase() = default;
  // Posts to the connection's strand: close now if idle between requests, otherwise answer
  // the current request with `Connection: close` and then close.
  virtual void notify_stopping() = 0;
  // Posts to the connection's strand: close now, whatever it is doing.
  virtual void notify_close() = 0;
};

class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(std::size_t max_connections) : max_connections_(max_connections) {}

  // Takes a connection slot; false (and nothing taken) when max_connections are in use.
  bool acquire_slot();
  void release_slot();
  // Slots in use.
  std::size_t active() const { return active_.load(); }
  // Blocks until no slot is in use or `timeout` passes; true when none is.
  bool wait_idle(std::chrono::milliseconds timeout);

  void add(const std::shared_ptr<HttpConnectionBase>& connection);
  void remove(const HttpConnectionBase* connection);
  // Calls notify_stopping() (or notify_close() when `force`) on every live connection.
  void notify_all(bool force);

 private:
  const std::size_t max_connections_;
  std::atomic<std::size_t> active_{0};
  std::mutex mutex_;
  std::condition_variable idle_;
  std::unordered_map<const HttpConnectionBase*, std::weak_ptr<HttpConnectionBase>> connections_;
};

}  // namespace signatory::server::detail
