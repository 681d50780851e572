// The `postgres` watermark backend: high-water marks in a PostgreSQL table shared by several
// signers (two or three behind a load balancer or as failover), so that together they never
// sign two different payloads for one (chain, pkh, kind, level, round).
//
// Design (argued in full in docs/watermark-postgres.md):
//   guard = one round trip, then sign. A single autocommit statement (INSERT … ON CONFLICT
//   DO UPDATE … WHERE (stored level, round) < (new level, round) OR same request not yet
//   signed) reserves (level, round, digest) for the slot, atomically under the row lock; only
//   if the database reports that it wrote the reservation — i.e. it committed — is `sign`
//   called. A second signer racing for the same (level, round) with another digest waits on
//   the row lock, then finds the reservation and is refused (409). The signature is stored
//   afterwards by a background writer (postgres_signature_writer.h): it is only needed to
//   answer a repeated identical request, which until then is signed again (same bytes).
//   We chose this over "SELECT … FOR UPDATE, sign, UPDATE, COMMIT" (≥ 2 round trips and a row
//   lock held while the vault signs) for latency; the price: a `sign` that fails leaves the
//   slot reserved at (level, round, digest) without a signature. That is stricter, never
//   looser: the same request may be retried; another payload at that (level, round) is
//   refused. (A reservation is never rolled back: another signer may be signing that same
//   payload from it, and undoing it would let a third payload through.)
//
//   Each process also keeps, per slot, the last mark it knows is stored (a lower bound of
//   the table, since marks only rise): a request it proves refused or already signed by this
//   process is answered without the database; requests for one slot in one process are
//   serialised, different slots proceed in parallel.
//
// Failures: every request's store work (waiting for the slot, a connection, connecting, the
// statement) is bounded by `timeout`; past it, or with the database down or failing, guard
// throws Error(ErrorCode::Unavailable, "watermark store unavailable: …") and never signs without a committed
// reservation. A broken pooled connection is dropped and the statement retried once on a new
// one (a reservation is idempotent for the same request). Recovery needs no restart.
//
// Opening connects, creates or migrates the schema (postgres_schema.h) and prepares the
// statements; it throws Error(500) naming the database (never its password) and the cause.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "common/error.h"
#include "watermark/core/watermark.h"
#include "watermark/postgres/postgres_options.h"
#include "watermark/postgres/postgres_pool.h"
#include "watermark/postgres/postgres_signature_writer.h"
#include "watermark/registry.h"

namespace signatory::watermark {

class PostgresWatermark final : public Watermark {
 public:
  explicit PostgresWatermark(PostgresOptions options);
  ~PostgresWatermark() override;
  PostgresWatermark(const PostgresWatermark&) = delete;
  PostgresWatermark& operator=(const PostgresWatermark&) = delete;

  std::string backend_name() const override { return "postgres"; }
  tezos::Signature guard(const Slot& slot, std::int32_t level, std::int32_t round,
                         const crypto::Digest32& digest,
                         const std::function<tezos::Signature()>& sign) override;
  std::vector<std::pair<Slot, Mark>> marks() override;
  RaiseResult raise(const Slot& slot, const Mark& mark) override;
  // Empty if a pooled connection answers `SELECT 1` within the timeout; checked at most once
  // a second, the answer cached in between.
  std::string health() override;
  // Four times the pool, at least 16: requests beyond the pool wait for a connection (at
  // most `timeout`), so a burst of consensus requests fits while the database is healthy.
  std::size_t max_concurrent_calls() const override {
    return std::max<std::size_t>(16, 4 * static_cast<std::size_t>(options_.pool_size));
  }
  // round_trips_total (request path), background_round_trips_total (signature writer),
  // errors_total, unavailable_total (503s), connects_total, connect_failures_total,
  // connections_open, signatures_pending, signatures_dropped_total.
  std::vector<std::pair<std::string, double>> stats() override;

  // Waits until the signatures of accepted marks are stored (tests, shutdown).
  bool flush_signatures(std::chrono::milliseconds wait);

 private:
  struct Entry {
    std::timed_mutex mutex;
    std::optional<Mark> known;  // a lower bound of the stored mark
  };
  Entry& entry(const Slot& slot);
  template <typename F>
  PgRows run(const char* what, PgClock::time_point deadline, F&& statement);
  Error unavailable_error(const std::string& cause);

  PostgresOptions options_;
  std::atomic<std::uint64_t> round_trips_{0};
  std::atomic<std::uint64_t> background_round_trips_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> unavailable_{0};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgSignatureWriter> writer_;

  std::mutex table_mutex_;  // guards entries_ only; entries are never removed
  std::map<Slot, std::unique_ptr<Entry>> entries_;

  std::mutex health_mutex_;
  PgClock::time_point health_checked_{};
  bool health_valid_ = false;
  std::string health_;
};

// The registry's factory for `postgres`: parse_postgres_options, then open.
std::unique_ptr<Watermark> open_postgres_watermark(const std::string& base_dir,
                                                   const WatermarkOptions& options);

}  // namespace signatory::watermark
