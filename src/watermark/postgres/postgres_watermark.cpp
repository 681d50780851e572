// The postgres watermark backend (see postgres_watermark.h and docs/watermark-postgres.md).
#include "watermark/postgres/postgres_watermark.h"

#include <algorithm>

#include "common/bytes.h"
#include "common/error.h"
#include "common/log.h"
#include "watermark/core/watermark_rule.h"
#include "watermark/postgres/postgres_schema.h"

namespace signatory::watermark {
namespace {

constexpr auto kHealthCacheFor = std::chrono::seconds(1);
constexpr int kReserveAttempts = 5;  // re-reads when the fallback row predates the upsert's

std::string bytea_text(const crypto::Digest32& d) {
  return "\\x" + to_hex(d);
}

crypto::Digest32 digest_from_bytea(const std::string& text) {
  if (text.size() != 2 + 64 || text.compare(0, 2, "\\x") != 0)
    throw internal_error("watermark store: a stored digest is not 32 bytes");
  const Bytes b = from_hex(std::string_view(text).substr(2));
  crypto::Digest32 d;
  std::copy(b.begin(), b.end(), d.begin());
  return d;
}

std::int32_t int_field(const std::optional<std::string>& v, const char* name) {
  if (!v) throw internal_error(std::string("watermark store: stored ") + name + " is NULL");
  try {
    std::size_t used = 0;
    const long long n = std::stoll(*v, &used);
    if (used == v->size() && n >= INT32_MIN && n <= INT32_MAX) return static_cast<std::int32_t>(n);
  } catch (const std::exception&) {
  }
  throw internal_error(std::string("watermark store: stored ") + name + " is not an integer");
}

// Columns level, round, digest, signature starting at `at`.
Mark mark_from_row(const std::vector<std::optional<std::string>>& row, std::size_t at) {
  Mark m;
  m.level = int_field(row.at(at), "level");
  m.round = int_field(row.at(at + 1), "round");
  if (row.at(at + 2)) m.digest = digest_from_bytea(*row[at + 2]);
  if (row.at(at + 3)) {
    try {
      m.signature = tezos::Signature::parse(*row[at + 3]);
    } catch (const Error&) {
      throw internal_error("watermark store: a stored signature is not a Tezos signature");
    }
  }
  return m;
}

Slot slot_from_row(const std::vector<std::optional<std::string>>& row) {
  if (!row.at(0) || !row.at(1) || !row.at(2))
    throw internal_error("watermark store: a row has a NULL chain, pkh or kind");
  Slot s;
  try {
    s.chain = tezos::ChainId::parse(*row[0]);
    s.pkh = tezos::PublicKeyHash::parse(*row[1]);
  } catch (const Error&) {
    throw internal_error("watermark store: row (" + *row[0] + ", " + *row[1] + ", " + *row[2] +
                         ") has a bad chain id or key hash");
  }
  const auto kind = tezos::parse_request_kind(*row[2]);
  if (!kind) throw internal_error("watermark store: row has an unknown kind `" + *row[2] + "'");
  s.kind = *kind;
  return s;
}

std::vector<std::optional<std::string>> slot_params(const Slot& slot) {
  return {slot.chain.to_base58(), slot.pkh.to_base58(),
          std::string(tezos::request_kind_name(slot.kind))};
}

// True if `b` is at least as high as `a` (so replacing a known lower bound by it is right).
bool not_lower(const Mark& b, const std::optional<Mark>& a) {
  return !a || !above(a->level, a->round, b);
}

}  // namespace

PostgresWatermark::PostgresWatermark(PostgresOptions options) : options_(std::move(options)) {
  const PgConnectParams& params = *options_.connect;
  const std::string where = "postgres " + params.display() + " table " + options_.table.qualified();
  if (params.dsn_had_password())
    log::warn(
        "watermark.config.dsn holds a password; put it in watermark.config.password_file "
        "instead");
  std::string problem;
  try {
    // Schema first, on a connection of its own: the pool's statements need the table.
    auto conn = PgConnection::open(options_.connect, PgClock::now() + options_.connect_timeout);
    const auto migrate_deadline =
        PgClock::now() +
        std::max<std::chrono::milliseconds>(options_.timeout * 5, std::chrono::seconds(10));
    migrate_schema(*conn, options_.table, migrate_deadline);
    pool_ =
        std::make_unique<PgPool>(options_.connect, options_.pool_size, options_.connect_timeout,
                                 connection_setup_sql(options_.table, options_.timeout.count()));
    // One pooled connection now: checks the prepared statements against the table, and that
    // this session can write marks (a read-only role or standby is refused here, not at the
    // first attestation).
    const auto deadline = PgClock::now() + options_.connect_timeout + options_.timeout;
    PgPool::Lease lease = pool_->acquire(deadline);
    problem = writability_problem((*lease).exec_prepared(kPgPing, {}, deadline), options_.table);
  } catch (const PgFailure& e) {
    throw internal_error("watermark store: cannot open " + where + ": " + e.what());
  }
  if (!problem.empty()) throw internal_error("watermark store: cannot open " + where + ": " + problem);
  writer_ = std::make_unique<PgSignatureWriter>(*pool_, options_.timeout, background_round_trips_,
                                                errors_);
  log::info("Watermark store opened", {{"driver", "postgres"},
                                       {"database", params.display()},
                                       {"table", options_.table.qualified()},
                                       {"pool_size", std::to_string(options_.pool_size)}});
}

PostgresWatermark::~PostgresWatermark() {
  writer_.reset();  // one last bounded attempt at storing pending signatures
  pool_.reset();
}

PostgresWatermark::Entry& PostgresWatermark::entry(const Slot& slot) {
  std::lock_guard lock(table_mutex_);
  auto& e = entries_[slot];
  if (!e) e = std::make_unique<Entry>();
  return *e;
}

Error PostgresWatermark::unavailable_error(const std::string& cause) {
  unavailable_++;
  return unavailable("watermark store unavailable: " + cause);
}

template <typename F>
PgRows PostgresWatermark::run(const char* what, PgClock::time_point deadline, F&& statement) {
  for (int attempt = 0;; ++attempt) {
    std::optional<PgPool::Lease> lease;
    try {
      lease.emplace(pool_->acquire(deadline));
      round_trips_++;
      return statement(**lease);
    } catch (const PgFailure& e) {
      errors_++;
      const bool reused = lease && !lease->fresh();
      if (lease && e.connection_unusable()) lease->discard();
      // A pooled connection that broke while idle (database restarted, failover): once more
      // on a new one. Safe: each statement is idempotent for the same request.
      if (reused && e.kind() == PgFailure::Kind::Connection && attempt == 0 &&
          PgClock::now() < deadline)
        continue;
      throw unavailable_error(std::string(what) + ": " + e.what());
    }
  }
}

tezos::Signature PostgresWatermark::guard(const Slot& slot, std::int32_t level, std::int32_t round,
                                          const crypto::Digest32& digest,
                                          const std::function<tezos::Signature()>& sign) {
  const auto deadline = PgClock::now() + options_.timeout;
  Entry& e = entry(slot);
  std::unique_lock lock(e.mutex, std::defer_lock);
  if (!lock.try_lock_until(deadline))
    throw unavailable_error("timed out behind an earlier request for the same key and kind");

  // What this process already knows settles refusals and repeats without a round trip.
  if (e.known) {
    switch (judge(e.known, level, round, digest)) {
      case Verdict::ReturnStored:
        return *e.known->signature;
      case Verdict::Reject:
        throw conflict("watermark validation failed");
      case Verdict::Sign:
        break;
    }
  }

  std::vector<std::optional<std::string>> params = slot_params(slot);
  params.push_back(std::to_string(level));
  params.push_back(std::to_string(round));
  params.push_back(bytea_text(digest));
  for (int attempt = 0;; ++attempt) {
    const PgRows rows = run("reserving the mark", deadline, [&](PgConnection& c) {
      return c.exec_prepared(kPgReserve, params, deadline);
    });
    if (!rows.rows.empty() && rows.rows[0].at(0) == std::optional<std::string>("t")) break;
    std::optional<Mark> stored;
    if (!rows.rows.empty()) stored = mark_from_row(rows.rows[0], 1);
    const Verdict v = stored ? judge(stored, level, round, digest) : Verdict::Sign;
    if (v == Verdict::ReturnStored) {
      if (not_lower(*stored, e.known)) e.known = stored;
      return *stored->signature;
    }
    if (v == Verdict::Reject) {
      if (not_lower(*stored, e.known)) e.known = stored;
      throw conflict("watermark validation failed");
    }
    // The row we read predates the one the upsert saw (a concurrent signer committed in
    // between): read again.
    if (attempt + 1 >= kReserveAttempts || PgClock::now() >= deadline)
      throw unavailable_error("the mark kept changing while it was read");
  }

  // Reserved and committed: from here on no other payload can be signed at (level, round).
  Mark reserved;
  reserved.level = level;
  reserved.round = round;
  reserved.digest = digest;
  e.known = reserved;
  tezos::Signature signature = sign();  // a throw leaves the reservation (see header)
  reserved.signature = signature;
  e.known = reserved;
  writer_->enqueue(PendingSignature{slot, level, round, digest, signature});
  return signature;
}

std::vector<std::pair<Slot, Mark>> PostgresWatermark::marks() {
  const auto deadline = PgClock::now() + options_.timeout;
  const PgRows rows = run("reading the marks", deadline,
                          [&](PgConnection& c) { return c.exec_prepared(kPgMarks, {}, deadline); });
  std::vector<std::pair<Slot, Mark>> out;
  out.reserve(rows.rows.size());
  for (const auto& row : rows.rows) out.emplace_back(slot_from_row(row), mark_from_row(row, 3));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

RaiseResult PostgresWatermark::raise(const Slot& slot, const Mark& mark) {
  const auto deadline = PgClock::now() + options_.timeout;
  Entry& e = entry(slot);
  std::unique_lock lock(e.mutex, std::defer_lock);
  if (!lock.try_lock_until(deadline))
    throw unavailable_error("timed out behind an earlier request for the same key and kind");
  std::vector<std::optional<std::string>> params = slot_params(slot);
  params.push_back(std::to_string(mark.level));
  params.push_back(std::to_string(mark.round));
  params.push_back(mark.digest ? std::optional<std::string>(bytea_text(*mark.digest))
                               : std::nullopt);
  params.push_back(mark.signature ? std::optional<std::string>(mark.signature->to_base58())
                                  : std::nullopt);
  for (int attempt = 0;; ++attempt) {
    const PgRows rows = run("raising the mark", deadline, [&](PgConnection& c) {
      return c.exec_prepared(kPgRaise, params, deadline);
    });
    // The table is now at least `mark` (written, or kept at or above it): a lower bound.
    if (!rows.rows.empty() && rows.rows[0].at(0) == std::optional<std::string>("t")) {
      raise_mark(e.known, mark);
      return {RaiseOutcome::Raised, {}};
    }
    std::optional<Mark> stored;
    if (!rows.rows.empty()) stored = mark_from_row(rows.rows[0], 1);
    RaiseResult r = judge_raise(stored, mark);
    if (!r.raised()) {
      raise_mark(e.known, *stored);
      return r;
    }
    // Not written, yet the row read would have allowed it: it predates the row the upsert saw
    // (a concurrent signer committed in between). Read again.
    if (attempt + 1 >= kReserveAttempts || PgClock::now() >= deadline)
      throw unavailable_error("the mark kept changing while it was read");
  }
}

std::string PostgresWatermark::health() {
  std::lock_guard lock(health_mutex_);
  const auto now = PgClock::now();
  if (health_valid_ && now - health_checked_ < kHealthCacheFor) return health_;
  const auto deadline = now + options_.timeout;
  std::optional<PgPool::Lease> lease;
  try {
    lease.emplace(pool_->acquire(deadline));
    round_trips_++;
    const std::string problem =
        writability_problem((**lease).exec_prepared(kPgPing, {}, deadline), options_.table);
    health_ = problem.empty() ? problem : "postgres cannot take a mark: " + problem;
  } catch (const PgFailure& e) {
    errors_++;
    if (lease && e.connection_unusable()) lease->discard();
    health_ = std::string("postgres unavailable: ") + e.what();
  }
  health_valid_ = true;
  health_checked_ = PgClock::now();
  return health_;
}

std::vector<std::pair<std::string, double>> PostgresWatermark::stats() {
  const PgPoolCounters& pc = pool_->counters();
  return {
      {"round_trips_total", static_cast<double>(round_trips_.load())},
      {"background_round_trips_total", static_cast<double>(background_round_trips_.load())},
      {"errors_total", static_cast<double>(errors_.load())},
      {"unavailable_total", static_cast<double>(unavailable_.load())},
      {"connects_total", static_cast<double>(pc.connects.load())},
      {"connect_failures_total", static_cast<double>(pc.connect_failures.load())},
      {"connections_open", static_cast<double>(pool_->open_connections())},
      {"signatures_pending", static_cast<double>(writer_->pending())},
      {"signatures_dropped_total", static_cast<double>(writer_->dropped())},
  };
}

bool PostgresWatermark::flush_signatures(std::chrono::milliseconds wait) {
  return writer_->flush(PgClock::now() + wait);
}

std::unique_ptr<Watermark> open_postgres_watermark(const std::string&,
                                                   const WatermarkOptions& options) {
  return std::make_unique<PostgresWatermark>(parse_postgres_options(options));
}

}  // namespace signatory::watermark
