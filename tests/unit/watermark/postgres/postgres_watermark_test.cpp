// The postgres watermark backend against a real PostgreSQL 15 (a private cluster started by
// postgres_test_cluster.h): the high-water mark rule, one round trip per accepted request,
// two stores ("two signers") racing on one table never signing two payloads for a slot,
// marks/raise, schema creation by concurrent starters and refusal of foreign or newer
// schemas, clear errors without the password, and the database stopped, hung (SIGSTOP) and
// back: 503 without signing, then recovery without a restart.
#include "watermark/postgres/postgres_watermark.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <csignal>
#include <mutex>
#include <set>
#include <fstream>
#include <thread>

#include "../watermark_test_support.h"
#include "postgres_test_cluster.h"
#include "watermark/postgres/postgres_schema.h"

namespace signatory::watermark {
namespace {

using namespace testing;
using namespace std::chrono_literals;

double stat(Watermark& store, const std::string& name) {
  for (const auto& [k, v] : store.stats())
    if (k == name) return v;
  ADD_FAILURE() << "no stat " << name;
  return -1;
}

crypto::Digest32 digest_of(int a, int b) {
  crypto::Digest32 d{};
  d[0] = static_cast<std::uint8_t>(a);
  d[1] = static_cast<std::uint8_t>(b);
  d[2] = static_cast<std::uint8_t>(b >> 8);
  d[31] = 0x5A;
  return d;
}

// Restarts a stopped or resumes a stopped-by-signal cluster even if the test fails.
struct ClusterRestorer {
  PgTestCluster& pg;
  bool stopped = false;
  bool frozen = false;
  ~ClusterRestorer() {
    if (frozen) pg.signal_server(SIGCONT);
    if (stopped) pg.start_again();
  }
};

class PostgresWatermarkTest : public PostgresTest {};

TEST_F(PostgresWatermarkTest, RuleLikeTheFileStore) {
  auto store = open();
  EXPECT_EQ(store->backend_name(), "postgres");
  EXPECT_EQ(store->health(), "");
  const Request r = request("attestation_mainnet_r0");
  const Request other = request("attestation_mainnet_slot_65535");  // its digest only
  ASSERT_NE(r.digest, other.digest);
  const Slot slot = r.slot(delegate(0));

  CountingSigner s1{signature(1)};
  EXPECT_EQ(store->guard(slot, r.level, r.round, r.digest, s1.fn()), signature(1));
  EXPECT_EQ(s1.calls, 1);
  // Identical request: the same signature, no new signing.
  EXPECT_EQ(store->guard(slot, r.level, r.round, r.digest, s1.fn()), signature(1));
  EXPECT_EQ(s1.calls, 1);
  // Another payload at the same level and round, or below: refused.
  CountingSigner s2{signature(2)};
  EXPECT_EQ(error_of([&] { store->guard(slot, r.level, r.round, other.digest, s2.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(error_of([&] { store->guard(slot, r.level - 1, 9, other.digest, s2.fn()); }).what(),
            std::string("watermark validation failed"));
  EXPECT_EQ(s2.calls, 0);
  // Other slots (another delegate, another kind, another chain) are independent.
  EXPECT_EQ(store->guard(r.slot(delegate(1)), r.level, r.round, other.digest, s2.fn()),
            signature(2));
  Slot pre = slot;
  pre.kind = tezos::RequestKind::Preattestation;
  EXPECT_EQ(store->guard(pre, r.level, r.round, other.digest, s2.fn()), signature(2));
  Slot ghost = slot;
  ghost.chain = chain("ghostnet");
  EXPECT_EQ(store->guard(ghost, r.level, r.round, other.digest, s2.fn()), signature(2));
  EXPECT_EQ(s2.calls, 3);
  // Higher round, then higher level: signed.
  EXPECT_EQ(store->guard(slot, r.level, r.round + 1, other.digest, s2.fn()), signature(2));
  EXPECT_EQ(store->guard(slot, r.level + 1, 0, r.digest, s1.fn()), signature(1));
  EXPECT_EQ(s1.calls, 2);

  // A second store on the same table (another signer) sees the marks in the database.
  ASSERT_TRUE(store->flush_signatures(10s));
  auto second = open();
  CountingSigner s3{signature(3)};
  EXPECT_EQ(error_of([&] { second->guard(slot, r.level + 1, 0, other.digest, s3.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(error_of([&] { second->guard(slot, r.level, 7, r.digest, s3.fn()); }).code(),
            ErrorCode::Conflict);
  // The stored signature is given back for the identical request.
  EXPECT_EQ(second->guard(slot, r.level + 1, 0, r.digest, s3.fn()), signature(1));
  EXPECT_EQ(s3.calls, 0);
  EXPECT_EQ(second->guard(slot, r.level + 2, 0, other.digest, s3.fn()), signature(3));
  // …which the first store, whose own knowledge is older, must respect too.
  EXPECT_EQ(error_of([&] { store->guard(slot, r.level + 1, 5, r.digest, s1.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(s1.calls, 2);
}

TEST_F(PostgresWatermarkTest, OneRoundTripPerAcceptedRequestAndNoConnectionPerRequest) {
  auto store = open({{"pool_size", "2"}});
  auto second = open({{"pool_size", "1"}});
  const Request r = request("preattestation_mainnet_r0");
  const Slot slot = r.slot(delegate(0));
  CountingSigner s{signature(4)};
  const double connects = stat(*store, "connects_total");
  for (int i = 0; i < 50; ++i) {
    const double before = stat(*store, "round_trips_total");
    store->guard(slot, r.level + i, 0, digest_of(1, i), s.fn());
    EXPECT_EQ(stat(*store, "round_trips_total") - before, 1) << "accepted request " << i;
  }
  EXPECT_EQ(s.calls, 50);
  // Pooled connections are reused: at most one for the requests and one for the background
  // signature writer running beside them, not one per request.
  EXPECT_LE(stat(*store, "connects_total") - connects, 1);
  EXPECT_LE(stat(*store, "connections_open"), 2);
  // Repeats and refusals this store can prove itself cost no round trip.
  double before = stat(*store, "round_trips_total");
  store->guard(slot, r.level + 49, 0, digest_of(1, 49), s.fn());
  EXPECT_EQ(error_of([&] { store->guard(slot, r.level + 10, 0, digest_of(2, 0), s.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(stat(*store, "round_trips_total"), before);
  EXPECT_EQ(s.calls, 50);
  // Another store learns the refusal from the database: one round trip.
  before = stat(*second, "round_trips_total");
  EXPECT_EQ(error_of([&] { second->guard(slot, r.level + 10, 0, digest_of(2, 0), s.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(stat(*second, "round_trips_total") - before, 1);
  // Signatures are stored in the background, in batches.
  ASSERT_TRUE(store->flush_signatures(10s));
  EXPECT_EQ(stat(*store, "signatures_pending"), 0);
  EXPECT_GE(stat(*store, "background_round_trips_total"), 1);
  EXPECT_LE(stat(*store, "background_round_trips_total"), 50);
  EXPECT_EQ(stat(*store, "errors_total"), 0);
  const PgRows rows = sql("SELECT count(*) FROM " + table() + " WHERE signature IS NOT NULL");
  EXPECT_EQ(rows.rows.at(0).at(0), std::optional<std::string>("1"));  // one slot, signed
}

TEST_F(PostgresWatermarkTest, TwoSignersRacingSignAtMostOnePayloadPerLevel) {
  // Two stores stand for two signer processes; each thread sends its own payload for every
  // level, all threads released together per level so that they collide on the row.
  auto a = open({{"pool_size", "4"}});
  auto b = open({{"pool_size", "4"}});
  const Request r = request("attestation_mainnet_r0");
  const Slot slot = r.slot(delegate(0));
  constexpr int kThreads = 8, kLevels = 300;
  std::barrier sync(kThreads);
  std::mutex mutex;
  std::map<int, std::set<int>> signed_by;  // level → threads whose payload got a signature
  std::atomic<int> refused{0}, other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Watermark& store = t % 2 ? *b : *a;
      for (int level = 0; level < kLevels; ++level) {
        sync.arrive_and_wait();
        try {
          const tezos::Signature got = store.guard(slot, 1000 + level, 0, digest_of(t, level),
                                                   [&] { return signature(t + 1); });
          EXPECT_EQ(got, signature(t + 1));  // a signature is only ever for its own payload
          std::lock_guard lock(mutex);
          signed_by[level].insert(t);
        } catch (const Error& e) {
          (e.code() == ErrorCode::Conflict ? refused : other_errors)++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other_errors, 0);
  EXPECT_EQ(static_cast<int>(signed_by.size()), kLevels);  // each fresh level: a winner
  for (const auto& [level, winners] : signed_by)
    EXPECT_EQ(winners.size(), 1u) << "level " << level << " signed for several payloads";
  EXPECT_EQ(refused, kLevels * (kThreads - 1));
  // The table holds the last level, for one of the payloads that were signed.
  const auto marks = a->marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].second.level, 1000 + kLevels - 1);
  EXPECT_EQ(marks[0].second.digest, digest_of(*signed_by[kLevels - 1].begin(), kLevels - 1));
}

TEST_F(PostgresWatermarkTest, TenRequestsTwoPayloadsOneWinsOnce) {
  // Signatory's integration case on one store: five requests with payload A and five with B
  // at once; one payload is signed, once, and its five requests get that signature.
  auto store = open();
  const Request a = request("block_signatory_A1");
  const Request b = request("block_mainnet_12180922_shape");
  const Slot slot = a.slot(delegate(0));
  for (int iteration = 0; iteration < 5; ++iteration) {
    std::atomic<int> signs{0};
    std::barrier sync(10);
    std::vector<std::optional<tezos::Signature>> results(10);
    std::vector<std::optional<ErrorCode>> statuses(10);
    std::vector<std::thread> threads;
    for (int i = 0; i < 10; ++i) {
      threads.emplace_back([&, i] {
        const bool is_a = i % 2 == 0;
        sync.arrive_and_wait();
        try {
          results[i] = store->guard(slot, a.level + iteration, 0, is_a ? a.digest : b.digest, [&] {
            signs++;
            std::this_thread::sleep_for(5ms);
            return signature(is_a ? 0xAA : 0xBB);
          });
        } catch (const Error& e) {
          statuses[i] = e.code();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(signs, 1);
    int ok = 0, conflicts = 0;
    std::set<int> winners;
    for (int i = 0; i < 10; ++i) {
      if (results[i]) {
        ++ok;
        winners.insert(i % 2);
        EXPECT_EQ(*results[i], signature(i % 2 == 0 ? 0xAA : 0xBB));
      } else {
        EXPECT_EQ(statuses[i], ErrorCode::Conflict);
        ++conflicts;
      }
    }
    EXPECT_EQ(winners.size(), 1u);
    EXPECT_EQ(ok, 5);
    EXPECT_EQ(conflicts, 5);
  }
}

TEST_F(PostgresWatermarkTest, MarksAndRaiseNeverLower) {
  auto store = open();
  const Request r = request("attestation_mainnet_r0");
  const Slot s0 = r.slot(delegate(0));
  Slot s1 = r.slot(delegate(1));
  s1.kind = tezos::RequestKind::Block;
  Mark m;
  m.level = 500;
  m.round = 2;
  m.digest = r.digest;
  m.signature = signature(7);
  store->raise(s1, m);
  Mark imported;  // Signatory's marks may lack digest and signature
  imported.level = 100;
  store->raise(s0, imported);

  Mark lower = m;
  lower.level = 499;
  lower.digest = digest_of(9, 9);
  RaiseResult res = store->raise(s1, lower);
  EXPECT_EQ(res.outcome, RaiseOutcome::AlreadyHigher);
  ASSERT_TRUE(res.kept);
  EXPECT_TRUE(same_mark(*res.kept, m));
  Mark equal = m;
  equal.digest = digest_of(8, 8);
  equal.signature.reset();
  res = store->raise(s1, equal);  // same (level, round): the stored mark stays
  EXPECT_EQ(res.outcome, RaiseOutcome::Equal);
  ASSERT_TRUE(res.kept);
  EXPECT_TRUE(same_mark(*res.kept, m));

  // A fresh store reads back exactly what was stored, in slot order.
  auto reader = open();
  auto marks = reader->marks();
  std::vector<std::pair<Slot, Mark>> expected = {{s0, imported}, {s1, m}};
  std::sort(expected.begin(), expected.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  EXPECT_TRUE(same_marks(marks, expected));

  // guard respects raised marks; the identical request of a raised mark gets its signature.
  CountingSigner s{signature(1)};
  EXPECT_EQ(error_of([&] { reader->guard(s1, 500, 1, digest_of(1, 1), s.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(reader->guard(s1, 500, 2, r.digest, s.fn()), signature(7));
  EXPECT_EQ(error_of([&] { reader->guard(s0, 100, 0, r.digest, s.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(reader->guard(s0, 100, 1, r.digest, s.fn()), signature(1));
  EXPECT_EQ(s.calls, 1);

  Mark higher = m;
  higher.level = 600;
  higher.signature.reset();
  EXPECT_TRUE(store->raise(s1, higher).raised());
  // The other store knows only the older mark; its raise answers from the table.
  res = reader->raise(s1, m);
  EXPECT_EQ(res.outcome, RaiseOutcome::AlreadyHigher);
  ASSERT_TRUE(res.kept);
  EXPECT_TRUE(same_mark(*res.kept, higher));
  marks = reader->marks();
  const auto it = std::find_if(marks.begin(), marks.end(), [&](auto& p) { return p.first == s1; });
  ASSERT_NE(it, marks.end());
  EXPECT_TRUE(same_mark(it->second, higher));
  EXPECT_EQ(error_of([&] { store->guard(s1, 550, 0, digest_of(3, 3), s.fn()); }).code(),
            ErrorCode::Conflict);
}

TEST_F(PostgresWatermarkTest, FailedSigningKeepsTheReservation) {
  auto store = open();
  const Request r = request("attestation_mainnet_r0");
  const Slot slot = r.slot(delegate(0));
  const Error e = error_of([&] {
    store->guard(slot, 10, 0, r.digest,
                 []() -> tezos::Signature { throw unavailable("vault unavailable"); });
  });
  EXPECT_EQ(e.code(), ErrorCode::Unavailable);
  EXPECT_STREQ(e.what(), "vault unavailable");
  // Another payload at that level and round is refused, on any signer; the same request
  // may be retried (here on another signer: same bytes signed again, not a double sign).
  auto second = open();
  CountingSigner s{signature(5)};
  EXPECT_EQ(error_of([&] { second->guard(slot, 10, 0, digest_of(1, 1), s.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(error_of([&] { store->guard(slot, 10, 0, digest_of(1, 1), s.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(second->guard(slot, 10, 0, r.digest, s.fn()), signature(5));
  EXPECT_EQ(s.calls, 1);
  ASSERT_TRUE(second->flush_signatures(10s));
  CountingSigner s2{signature(6)};
  EXPECT_EQ(store->guard(slot, 10, 0, r.digest, s2.fn()), signature(5));  // the stored one
  EXPECT_EQ(s2.calls, 0);
  EXPECT_EQ(store->guard(slot, 11, 0, digest_of(1, 1), s2.fn()), signature(6));
}

TEST_F(PostgresWatermarkTest, SchemaCreatedOnceBySignersStartingTogether) {
  std::vector<std::unique_ptr<PostgresWatermark>> stores(3);
  std::vector<std::string> errors(3);
  std::barrier sync(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      sync.arrive_and_wait();
      try {
        stores[i] = open();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(stores[i]) << errors[i];
  const PgRows v = sql("SELECT id, version FROM " + table() + "_schema");
  ASSERT_EQ(v.rows.size(), 1u);
  EXPECT_EQ(v.rows[0].at(1), std::optional<std::string>(std::to_string(kPgSchemaVersion)));
  // All three work on the one table.
  const Request r = request("block_signatory_A1");
  CountingSigner s{signature(1)};
  stores[0]->guard(r.slot(delegate(0)), 5, 0, r.digest, s.fn());
  EXPECT_EQ(error_of([&] {
              stores[2]->guard(r.slot(delegate(0)), 5, 0, digest_of(1, 1), s.fn());
            }).code(),
            ErrorCode::Conflict);
  // Opening again changes nothing.
  stores.clear();
  EXPECT_NO_THROW(open());
  EXPECT_EQ(sql("SELECT count(*) FROM " + table()).rows.at(0).at(0),
            std::optional<std::string>("1"));
}

TEST_F(PostgresWatermarkTest, RefusesNewerSchemaAndForeignTable) {
  open();
  sql("UPDATE " + table() + "_schema SET version = 99");
  Error e = error_of([&] { open(); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(std::string(e.what()).find("table " + table() +
                                       " has schema version 99, newer than "
                                       "this signer's 2; upgrade the signer"),
            std::string::npos)
      << e.what();

  sql("CREATE TABLE " + table() + "_other (chain text)");
  e = error_of([&] { open({{"table", table() + "_other"}}); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(
      std::string(e.what()).find("exists but has no " + table() + "_other_schema version record"),
      std::string::npos)
      << e.what();
}

// Readiness means the store can take a mark: a role that may only read the table (or whose
// sessions are read-only) is refused at start with the reason, and a store whose role loses
// its write privileges while running reports it in health() until they are back.
TEST_F(PostgresWatermarkTest, ARoleThatCannotWriteMarksIsRefusedAndReported) {
  open();  // the table, created by the owner
  std::ifstream pw_file(pg().password_file());
  std::string password;
  std::getline(pw_file, password);
  const std::string reader = table() + "_reader", writer = table() + "_writer";
  for (const std::string& role : {reader, writer}) {
    sql("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN PASSWORD '" + password +
        "'; GRANT SELECT ON " + table() + ", " + table() + "_schema TO " + role);
  }
  sql("GRANT INSERT, UPDATE ON " + table() + " TO " + writer);
  auto as = [&](const std::string& role) {
    std::string dsn = pg().dsn();
    const auto at = dsn.find("user=signatory");
    EXPECT_NE(at, std::string::npos) << dsn;
    return open({{"dsn", dsn.replace(at, 14, "user=" + role)}});
  };

  Error e = error_of([&] { as(reader); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(std::string(e.what()).find("watermark store: cannot open postgres "), std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("role " + reader + " lacks INSERT and UPDATE on table " +
                                       table() + ": it cannot write marks"),
            std::string::npos)
      << e.what();

  sql("ALTER ROLE " + writer + " SET default_transaction_read_only = on");
  e = error_of([&] { as(writer); });
  EXPECT_NE(std::string(e.what()).find("the session is read-only"), std::string::npos) << e.what();
  sql("ALTER ROLE " + writer + " RESET default_transaction_read_only");

  auto store = as(writer);
  EXPECT_EQ(store->health(), "");
  sql("REVOKE UPDATE ON " + table() + " FROM " + writer);
  std::string health;
  for (int i = 0; i < 100 && health.empty(); ++i) {  // past the one-second health cache
    health = store->health();
    if (health.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(health, "postgres cannot take a mark: role " + writer + " lacks UPDATE on table " +
                        table() + ": it cannot write marks");
  sql("GRANT UPDATE ON " + table() + " TO " + writer);
  for (int i = 0; i < 100 && !health.empty(); ++i) {
    health = store->health();
    if (!health.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(health, "");
  store.reset();
  sql("REVOKE ALL ON " + table() + ", " + table() + "_schema FROM " + reader + ", " + writer +
      "; DROP ROLE " + reader + "; DROP ROLE " + writer);
}

TEST_F(PostgresWatermarkTest, ConnectionErrorsAreClearAndCarryNoPassword) {
  TempDir dir;
  const std::string wrong = "Wrong-Pass-4711";
  write_text(dir.path() / "pw", wrong + "\n");
  Error e = error_of([&] { open({{"password_file", (dir.path() / "pw").string()}}); });
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  std::string m = e.what();
  EXPECT_NE(m.find("watermark store: cannot open postgres host=127.0.0.1"), std::string::npos) << m;
  EXPECT_NE(m.find("password authentication failed for user \"signatory\""), std::string::npos)
      << m;
  EXPECT_EQ(m.find(wrong), std::string::npos) << m;

  // The password inside the DSN instead: same error, still no password.
  auto o = options();
  o.erase("password_file");
  o["dsn"] += " password=" + wrong;
  e = error_of([&] { PostgresWatermark store(parse_postgres_options(o)); });
  m = e.what();
  EXPECT_NE(m.find("password authentication failed"), std::string::npos) << m;
  EXPECT_EQ(m.find(wrong), std::string::npos) << m;

  // Nothing listening: refused at once, naming the server.
  const int port = [] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }();
  o = options({{"dsn", "host=127.0.0.1 port=" + std::to_string(port) + " user=x dbname=y"}});
  e = error_of([&] { PostgresWatermark store(parse_postgres_options(o)); });
  m = e.what();
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(m.find("Connection refused"), std::string::npos) << m;
}

TEST_F(PostgresWatermarkTest, DatabaseStoppedThen503ThenRecovers) {
  auto store = open({{"timeout", "1s"}});
  const Request r = request("attestation_mainnet_r0");
  const Slot slot = r.slot(delegate(0));
  CountingSigner s{signature(1)};
  store->guard(slot, 100, 0, r.digest, s.fn());
  ASSERT_TRUE(store->flush_signatures(10s));
  ClusterRestorer restore{pg()};
  pg().stop();
  restore.stopped = true;

  for (int i = 0; i < 3; ++i) {
    const Error e = error_of([&] { store->guard(slot, 101 + i, 0, r.digest, s.fn()); });
    EXPECT_EQ(e.code(), ErrorCode::Unavailable);
    EXPECT_EQ(std::string(e.what()).rfind("watermark store unavailable: reserving the mark: ", 0),
              0u)
        << e.what();
  }
  EXPECT_EQ(s.calls, 1);  // never signed without a committed mark
  EXPECT_EQ(error_of([&] { store->marks(); }).code(), ErrorCode::Unavailable);
  // health reports the store (it may give the cached healthy answer for up to a second).
  std::string health;
  for (int i = 0; i < 100 && health.empty(); ++i) {
    health = store->health();
    if (health.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(health.rfind("postgres unavailable: ", 0), 0u) << health;
  EXPECT_GE(stat(*store, "unavailable_total"), 4);
  // What this store already knows still refuses without the database.
  EXPECT_EQ(error_of([&] { store->guard(slot, 99, 0, r.digest, s.fn()); }).code(),
            ErrorCode::Conflict);

  pg().start_again();
  restore.stopped = false;
  EXPECT_EQ(store->guard(slot, 101, 0, r.digest, s.fn()), signature(1));
  EXPECT_EQ(s.calls, 2);
  for (int i = 0; i < 100 && !health.empty(); ++i) {
    health = store->health();
    if (!health.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(health, "");
  EXPECT_EQ(store->marks().at(0).second.level, 101);
}

TEST_F(PostgresWatermarkTest, HungDatabaseCostsAtMostTheTimeout) {
  auto store = open({{"timeout", "300ms"}, {"connect_timeout", "300ms"}});
  const Request r = request("attestation_mainnet_r0");
  const Slot slot = r.slot(delegate(0));
  CountingSigner s{signature(1)};
  store->guard(slot, 100, 0, r.digest, s.fn());
  ASSERT_TRUE(store->flush_signatures(10s));
  {
    ClusterRestorer restore{pg()};
    ASSERT_FALSE(pg().server_processes().empty());
    pg().signal_server(SIGSTOP);
    restore.frozen = true;
    // The statement goes out and no answer comes: refused when the timeout passes.
    Error e = error_of([&] { store->guard(slot, 101, 0, r.digest, s.fn()); });
    EXPECT_EQ(e.code(), ErrorCode::Unavailable);
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
    // A new connection cannot even be opened.
    e = error_of([&] { store->guard(slot, 101, 0, r.digest, s.fn()); });
    EXPECT_EQ(e.code(), ErrorCode::Unavailable);
    EXPECT_NE(std::string(e.what()).find("timed out connecting"), std::string::npos) << e.what();
    EXPECT_EQ(s.calls, 1);
  }
  // Resumed: the same request is signed (whether or not the stalled statement committed).
  EXPECT_EQ(store->guard(slot, 101, 0, r.digest, s.fn()), signature(1));
  EXPECT_EQ(s.calls, 2);
}

}  // namespace
}  // namespace signatory::watermark
