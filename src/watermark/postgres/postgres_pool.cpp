// A bounded pool of libpq connections (see postgres_pool.h).
#include "watermark/postgres/postgres_pool.h"

#include <algorithm>

namespace signatory::watermark {

PgPool::PgPool(std::shared_ptr<const PgConnectParams> params, int size,
               std::chrono::milliseconds connect_timeout, std::string setup_sql)
    : params_(std::move(params)),
      size_(size),
      connect_timeout_(connect_timeout),
      setup_sql_(std::move(setup_sql)) {}

PgPool::~PgPool() {
  std::lock_guard lock(mutex_);
  idle_.clear();
}

PgPool::Lease::~Lease() {
  release();
}

void PgPool::Lease::discard() {
  if (!conn_) return;
  pool_->counters_.discarded++;
  pool_->give_back(std::move(conn_), false);
}

void PgPool::Lease::release() {
  if (conn_) pool_->give_back(std::move(conn_), true);
}

void PgPool::give_back(std::unique_ptr<PgConnection> conn, bool keep) {
  std::unique_ptr<PgConnection> closing;
  {
    std::lock_guard lock(mutex_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      closing = std::move(conn);
      --open_;
    }
  }
  released_.notify_one();
  // `closing` is closed here, outside the lock.
}

int PgPool::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

PgPool::Lease PgPool::acquire(PgClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<PgConnection> c = std::move(idle_.back());
      idle_.pop_back();
      if (c->idle_and_healthy()) return Lease(this, std::move(c), false);
      --open_;
      counters_.discarded++;
      lock.unlock();
      c.reset();  // close outside the lock
      lock.lock();
    }
    if (open_ < size_) {
      ++open_;
      lock.unlock();
      try {
        const auto connect_deadline = std::min(deadline, PgClock::now() + connect_timeout_);
        auto c = PgConnection::open(params_, connect_deadline);
        if (!setup_sql_.empty()) c->exec_simple(setup_sql_, deadline);
        counters_.connects++;
        return Lease(this, std::move(c), true);
      } catch (...) {
        counters_.connect_failures++;
        {
          std::lock_guard relock(mutex_);
          --open_;
        }
        released_.notify_one();
        throw;
      }
    }
    if (released_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      throw PgFailure(PgFailure::Kind::Timeout, "no free connection (all " + std::to_string(size_) +
                                                    " in use; raise watermark.config.pool_size?)");
    }
  }
}

}  // namespace signatory::watermark
