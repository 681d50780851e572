// The timeouts of one connection on one timer. The connection moves its deadline at every
// phase (the whole request within read_timeout, the next request within idle_timeout, the
// response within write_timeout, the linger after a close); the timer is re-armed only when
// the deadline moves earlier than where it is armed (normally once per timeout period), never
// per read or write. When the timer fires early (the deadline moved later) it re-arms for the
// deadline; when the deadline has passed it calls `owner.on_deadline()`.
//
// `Owner` derives from std::enable_shared_from_this (a pending wait keeps it alive) and
// provides `void on_deadline()`. Not thread-safe: used on the connection's strand only.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace signatory::server::detail {

template <class Owner>
class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  template <class Executor>
  explicit Watchdog(const Executor& executor) : timer_(executor) {}

  void set_deadline(Clock::time_point deadline, Owner& owner) {
    deadline_ = deadline;
    if (deadline < armed_) arm(deadline, owner);
  }

  // For good: on_deadline() is not called after this.
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void arm(Clock::time_point at, Owner& owner) {
    armed_ = at;
    timer_.expires_at(at);
    timer_.async_wait([this, self = owner.shared_from_this()](boost::system::error_code ec) {
      on_timer(ec, *self);
    });
  }

  void on_timer(boost::system::error_code ec, Owner& owner) {
    if (ec == boost::asio::error::operation_aborted || stopped_) return;
    if (Clock::now() >= deadline_) {
      owner.on_deadline();
      return;
    }
    armed_ = Clock::time_point::max();
    if (deadline_ != Clock::time_point::max()) arm(deadline_, owner);
  }

  boost::asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_ = Clock::time_point::max();
  bool stopped_ = false;
};

}  // namespace signatory::server::detail
