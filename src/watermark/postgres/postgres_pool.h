// A fixed-size pool of PgConnections for the postgres watermark backend. At most `size`
// connections exist at once; they are opened on demand (so a signer started while the
// database is down recovers by itself), each prepared with `setup_sql` right after it
// connects, reused most-recently-used first, and thrown away after a failure that leaves them
// unusable. `acquire` never waits past its deadline: no idle connection and no room → it
// waits for a release until the deadline, then throws PgFailure(Timeout).
//
// A connection is never opened per request while an idle one is usable. A refused connect is
// reported at once (no retry loop inside the pool): while the database is down every request
// fails fast, and the first one after it returns opens a new connection.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "watermark/postgres/postgres_connection.h"

namespace signatory::watermark {

struct PgPoolCounters {
  std::atomic<std::uint64_t> connects{0};          // connections opened
  std::atomic<std::uint64_t> connect_failures{0};  // connection attempts that failed
  std::atomic<std::uint64_t> discarded{0};         // connections dropped as unusable
};

class PgPool {
 public:
  PgPool(std::shared_ptr<const PgConnectParams> params, int size,
         std::chrono::milliseconds connect_timeout, std::string setup_sql);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection on loan; returned to the pool when destroyed unless `discard`ed.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn, bool fresh)
        : pool_(pool), conn_(std::move(conn)), fresh_(fresh) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() { return *conn_; }
    PgConnection* operator->() { return conn_.get(); }
    // Opened for this lease (not reused from the pool).
    bool fresh() const { return fresh_; }
    // Closes the connection instead of returning it.
    void discard();
    // Returns the connection to the pool now.
    void release();

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
    bool fresh_;
  };

  Lease acquire(PgClock::time_point deadline);

  const PgPoolCounters& counters() const { return counters_; }
  int open_connections() const;
  int size() const { return size_; }

 private:
  void give_back(std::unique_ptr<PgConnection> conn, bool keep);

  std::shared_ptr<const PgConnectParams> params_;
  const int size_;
  const std::chrono::milliseconds connect_timeout_;
  const std::string setup_sql_;
  PgPoolCounters counters_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // most recently used last
  int open_ = 0;                                     // idle + on loan + being opened
};

}  // namespace signatory::watermark
