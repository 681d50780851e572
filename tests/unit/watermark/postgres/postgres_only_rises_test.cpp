// Marks only rise in the postgres table, whoever writes (schema version 2, against the real
// PostgreSQL of postgres_test_cluster.h; docs/watermark-postgres.md, "Marks only rise"): a
// hand-made DELETE, TRUNCATE, a lowered level or round, another digest or signature at the
// same (level, round), or a moved slot are refused by the table's trigger, while everything
// the signer does passes; a version-1 table is migrated; and the role recipe of the docs — the
// table owned by an administrator, the signer's role with SELECT, INSERT, UPDATE only — runs a
// signer that cannot disable the trigger, drop it, or delete.
#include <gtest/gtest.h>

#include "../watermark_test_support.h"
#include "postgres_test_cluster.h"
#include "watermark/postgres/postgres_schema.h"

namespace signatory::watermark {
namespace {

using namespace testing;

crypto::Digest32 digest(std::uint8_t n) {
  crypto::Digest32 d{};
  d.fill(n);
  return d;
}

class PostgresOnlyRisesTest : public PostgresTest {
 protected:
  // A table with one signed mark (level 100, round 2, digest 1) and a signature stored.
  void SetUp() override {
    PostgresTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = open();
    const Request r = request("attestation_mainnet_r0");
    slot_ = r.slot(delegate(0));
    CountingSigner s{signature(7)};
    store_->guard(slot_, 100, 2, digest(1), s.fn());
    ASSERT_TRUE(store_->flush_signatures(std::chrono::seconds(10)));
    where_ = " WHERE chain = '" + slot_.chain.to_base58() + "' AND pkh = '" +
             slot_.pkh.to_base58() + "'";
  }

  // `statement` fails with the trigger's message, and the row is as it was.
  void expect_refused(const std::string& statement, const std::string& why) {
    SCOPED_TRACE(statement);
    try {
      sql(statement);
      ADD_FAILURE() << "not refused";
    } catch (const PgFailure& e) {
      EXPECT_EQ(e.sqlstate(), "42501") << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    expect_row_unchanged();
  }
  void expect_row_unchanged() {
    const PgRows rows =
        sql("SELECT level, round, encode(digest, 'hex'), signature FROM " + table() + where_);
    ASSERT_EQ(rows.rows.size(), 1u);
    EXPECT_EQ(rows.rows[0][0], std::optional<std::string>("100"));
    EXPECT_EQ(rows.rows[0][1], std::optional<std::string>("2"));
    EXPECT_EQ(rows.rows[0][2], std::optional<std::string>(to_hex(digest(1))));
    EXPECT_EQ(rows.rows[0][3], std::optional<std::string>(signature(7).to_base58()));
  }

  std::unique_ptr<PostgresWatermark> store_;
  Slot slot_;
  std::string where_;
};

TEST_F(PostgresOnlyRisesTest, HandEditsThatLowerOrRemoveAMarkAreRefused) {
  const std::string u = "UPDATE " + table() + " SET ";
  expect_refused("DELETE FROM " + table() + where_, "DELETE refused");
  expect_refused("DELETE FROM " + table(), "DELETE refused");
  expect_refused("TRUNCATE " + table(), "TRUNCATE refused");
  expect_refused(u + "level = 99" + where_, "may only rise");
  expect_refused(u + "round = 1" + where_, "may only rise");
  expect_refused(u + "level = 99, round = 1000" + where_, "may only rise");
  expect_refused(u + "digest = NULL" + where_, "may only rise");
  expect_refused(u + "digest = decode('" + to_hex(digest(2)) + "', 'hex')" + where_,
                 "may only rise");
  expect_refused(u + "signature = NULL" + where_, "may only rise");
  expect_refused(u + "pkh = '" + delegate_text(1) + "'" + where_, "may only rise");
  // The store still judges by the unchanged row.
  CountingSigner s{signature(8)};
  EXPECT_EQ(error_of([&] { open()->guard(slot_, 100, 2, digest(3), s.fn()); }).code(), ErrorCode::Conflict);
  // Raising by hand is allowed (it is what set-floor does).
  sql(u + "level = 101, round = 0, digest = NULL, signature = NULL" + where_);
  EXPECT_EQ(error_of([&] { open()->guard(slot_, 101, 0, digest(3), s.fn()); }).code(), ErrorCode::Conflict);
}

TEST_F(PostgresOnlyRisesTest, EverythingTheSignerDoesPasses) {
  CountingSigner s{signature(9)};
  // Identical request again (the stored signature), a new reservation above, its signature
  // stored by the writer, a raise above, a raise below and at the mark (no change).
  EXPECT_EQ(store_->guard(slot_, 100, 2, digest(1), s.fn()), signature(7));
  EXPECT_EQ(store_->guard(slot_, 100, 3, digest(4), s.fn()), signature(9));
  ASSERT_TRUE(store_->flush_signatures(std::chrono::seconds(10)));
  Mark floor;
  floor.level = 150;
  floor.digest = digest(5);
  EXPECT_TRUE(store_->raise(slot_, floor).raised());
  EXPECT_EQ(store_->raise(slot_, floor).outcome, RaiseOutcome::Equal);
  floor.level = 120;
  EXPECT_EQ(store_->raise(slot_, floor).outcome, RaiseOutcome::AlreadyHigher);
  // A reservation at the same (level, round) and digest as an imported mark without a
  // signature, then its signature stored.
  EXPECT_EQ(store_->guard(slot_, 150, 0, digest(5), s.fn()), signature(9));
  ASSERT_TRUE(store_->flush_signatures(std::chrono::seconds(10)));
  const auto marks = open()->marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].second.level, 150);
  EXPECT_EQ(marks[0].second.signature, signature(9));
}

TEST_F(PostgresOnlyRisesTest, VersionOneTableIsMigrated) {
  // A table as version 1 left it: no trigger.
  sql("DROP TRIGGER marks_only_rise ON " + table() + "; DROP TRIGGER marks_never_truncated ON " +
      table() + "; DROP FUNCTION " + table() + "_rises(); UPDATE " + table() +
      "_schema SET version = 1");
  sql("DELETE FROM " + table() + " WHERE level < 0");  // DELETE works again
  store_.reset();
  store_ = open();
  EXPECT_EQ(sql("SELECT version FROM " + table() + "_schema").rows.at(0).at(0),
            std::optional<std::string>(std::to_string(kPgSchemaVersion)));
  expect_refused("DELETE FROM " + table() + where_, "DELETE refused");
  expect_row_unchanged();
}

// The recipe of docs/watermark-postgres.md: an administrator owns the table; the signer's
// role may only SELECT, INSERT and UPDATE. The signer works; it cannot remove the guard.
TEST_F(PostgresOnlyRisesTest, RestrictedSignerRoleCannotRemoveTheGuard) {
  const std::string admin = table() + "_admin", signer = table() + "_signer";
  const std::string password = "signer-" + std::to_string(::getpid());
  store_.reset();
  sql("CREATE ROLE " + admin + " NOLOGIN; CREATE ROLE " + signer + " LOGIN PASSWORD '" + password +
      "'; ALTER TABLE " + table() + " OWNER TO " + admin + "; ALTER TABLE " + table() +
      "_schema OWNER TO " + admin + "; ALTER FUNCTION " + table() + "_rises() OWNER TO " + admin +
      "; GRANT SELECT, INSERT, UPDATE ON " + table() + " TO " + signer + "; GRANT SELECT ON " +
      table() + "_schema TO " + signer);
  TempDir dir;
  write_text(dir.path() / "pw", password + "\n");
  auto o = options({{"password_file", (dir.path() / "pw").string()}});
  std::string dsn = o["dsn"];
  dsn.replace(dsn.find("user="), std::string::npos, "user=" + signer);
  o["dsn"] = dsn;

  // The signer's store works as before.
  auto limited = std::make_unique<PostgresWatermark>(parse_postgres_options(o));
  CountingSigner s{signature(9)};
  EXPECT_EQ(limited->guard(slot_, 100, 2, digest(1), s.fn()), signature(7));
  EXPECT_EQ(limited->guard(slot_, 101, 0, digest(6), s.fn()), signature(9));
  EXPECT_EQ(error_of([&] { limited->guard(slot_, 101, 0, digest(7), s.fn()); }).code(), ErrorCode::Conflict);
  ASSERT_TRUE(limited->flush_signatures(std::chrono::seconds(10)));

  // Its role cannot delete, truncate, lower, nor take the trigger away.
  auto as_signer = [&](const std::string& statement) -> std::string {
    const auto po = parse_postgres_options(o);
    auto c = PgConnection::open(po.connect, PgClock::now() + std::chrono::seconds(10));
    try {
      c->exec_simple(statement, PgClock::now() + std::chrono::seconds(10));
    } catch (const PgFailure& e) {
      return e.what();
    }
    return "accepted";
  };
  for (const std::string& statement :
       {"DELETE FROM " + table() + where_, "TRUNCATE " + table(),
        "UPDATE " + table() + " SET level = 1" + where_,
        "ALTER TABLE " + table() + " DISABLE TRIGGER marks_only_rise",
        "DROP TRIGGER marks_only_rise ON " + table(), "DROP TABLE " + table(),
        "CREATE OR REPLACE FUNCTION " + table() +
            "_rises() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"}) {
    SCOPED_TRACE(statement);
    const std::string outcome = as_signer(statement);
    EXPECT_NE(outcome, "accepted");
    EXPECT_TRUE(outcome.find("permission denied") != std::string::npos ||
                outcome.find("must be owner") != std::string::npos ||
                outcome.find("may only rise") != std::string::npos)
        << outcome;
  }
  const auto marks = limited->marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].second.level, 101);
  limited.reset();
  sql("DROP OWNED BY " + signer + "; DROP ROLE " + signer);
}

}  // namespace
}  // namespace signatory::watermark
