// Options of the postgres watermark backend (no database needed): defaults, each option's
// validation and its exact error naming `watermark.config.<key>`, durations, the password
// file, and that a password never survives into a message or the display form of the DSN.
#include "watermark/postgres/postgres_options.h"

#include <gtest/gtest.h>

#include "../watermark_test_support.h"
#include "watermark/registry.h"

namespace signatory::watermark {
namespace {

using namespace testing;
using Options = std::map<std::string, std::string>;

std::string message_of(const Options& o) {
  const Error e = error_of([&] { parse_postgres_options(o); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  return e.what();
}

TEST(PostgresOptions, Defaults) {
  const PostgresOptions o = parse_postgres_options({{"dsn", "host=db dbname=s user=u"}});
  EXPECT_EQ(o.table.qualified(), "watermark");
  EXPECT_EQ(o.table.quoted(), "\"watermark\"");
  EXPECT_EQ(o.table.quoted_meta(), "\"watermark_schema\"");
  EXPECT_EQ(o.pool_size, 4);
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(o.connect_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(o.connect->display(), "host=db dbname=s user=u");
  EXPECT_FALSE(o.connect->dsn_had_password());
}

TEST(PostgresOptions, AllOptions) {
  TempDir dir;
  write_text(dir.path() / "pw", "  s3cret-pass \n");
  const PostgresOptions o = parse_postgres_options({{"dsn", "postgresql://u@db:6543/signer"},
                                                    {"password_file", (dir.path() / "pw").string()},
                                                    {"table", "ops.marks_v"},
                                                    {"pool_size", "7"},
                                                    {"connect_timeout", "250ms"},
                                                    {"timeout", "1.5"}});
  EXPECT_EQ(o.table.qualified(), "ops.marks_v");
  EXPECT_EQ(o.table.quoted(), "\"ops\".\"marks_v\"");
  EXPECT_EQ(o.table.quoted_meta(), "\"ops\".\"marks_v_schema\"");
  EXPECT_EQ(o.pool_size, 7);
  EXPECT_EQ(o.connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(1500));
  // The trimmed password is what libpq gets, under the `password` keyword.
  std::string given;
  for (int i = 0; o.connect->keywords()[i]; ++i) {
    if (std::string(o.connect->keywords()[i]) == "password") given = o.connect->values()[i];
  }
  EXPECT_EQ(given, "s3cret-pass");
  EXPECT_EQ(o.connect->display(), "host=db port=6543 dbname=signer user=u");
}

TEST(PostgresOptions, UnknownAndMissingOptions) {
  EXPECT_EQ(message_of({{"dsn", "host=x"}, {"tabel", "w"}}),
            "watermark.config.tabel: unknown option (valid options: connect_timeout, dsn, "
            "password_file, pool_size, table, timeout)");
  EXPECT_EQ(message_of({}),
            "watermark.config.dsn: required by the postgres driver (a libpq connection string "
            "such as \"host=db.example dbname=signatory user=signatory\")");
  EXPECT_EQ(message_of({{"dsn", ""}}).substr(0, 27), "watermark.config.dsn: requi");
}

TEST(PostgresOptions, BadValues) {
  const Options base = {{"dsn", "host=x"}};
  auto with = [&](const std::string& k, const std::string& v) {
    Options o = base;
    o[k] = v;
    return message_of(o);
  };
  EXPECT_EQ(with("pool_size", "0"),
            "watermark.config.pool_size: `0' is not a whole number from 1 to 64");
  EXPECT_EQ(with("pool_size", "65"),
            "watermark.config.pool_size: `65' is not a whole number from 1 to 64");
  EXPECT_EQ(with("pool_size", "4x"),
            "watermark.config.pool_size: `4x' is not a whole number from 1 to 64");
  EXPECT_EQ(with("timeout", "soon"),
            "watermark.config.timeout: `soon' is not a duration (e.g. 500ms, 2s, 1.5, 1m)");
  EXPECT_EQ(with("timeout", "2h"),
            "watermark.config.timeout: `2h' has an unknown unit (ms, s or m)");
  EXPECT_EQ(with("connect_timeout", "1ms"),
            "watermark.config.connect_timeout: `1ms' is out of range (10ms to 10m)");
  for (const char* bad : {"Watermark", "1table", "a.b.c", "wm-1", "", "x;drop table y", "\"w\""}) {
    EXPECT_EQ(with("table", bad), std::string("watermark.config.table: `") + bad +
                                      "' is not a table name: use `name' or `schema.name' made of "
                                      "[a-z_][a-z0-9_]*, at most 55 characters each");
  }
  EXPECT_EQ(with("password_file", "/nonexistent/pw"),
            "watermark.config.password_file: cannot read /nonexistent/pw: No such file or "
            "directory");
  TempDir dir;
  write_text(dir.path() / "empty", " \n\t");
  EXPECT_EQ(with("password_file", (dir.path() / "empty").string()),
            "watermark.config.password_file: " + (dir.path() / "empty").string() + " is empty");
}

TEST(PostgresOptions, Durations) {
  EXPECT_EQ(parse_duration("2s"), std::chrono::milliseconds(2000));
  EXPECT_EQ(parse_duration("2"), std::chrono::milliseconds(2000));
  EXPECT_EQ(parse_duration("0.25"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("300ms"), std::chrono::milliseconds(300));
  EXPECT_EQ(parse_duration("1m"), std::chrono::milliseconds(60000));
  for (const char* bad : {"", "s", "-1s", "1..2", "1 s", "1h", "ms"}) {
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
  }
}

TEST(PostgresOptions, PasswordNeverInMessagesOrDisplay) {
  const std::string secret = "Xy7-very-secret";
  // Key/value DSN with the password: kept for libpq, absent from display and redactions.
  const PostgresOptions o =
      parse_postgres_options({{"dsn", "host=db user=u password=" + secret + " dbname=s"}});
  EXPECT_TRUE(o.connect->dsn_had_password());
  EXPECT_EQ(o.connect->display().find(secret), std::string::npos);
  EXPECT_EQ(o.connect->redact("FATAL: role u with " + secret + " refused\n\tagain"),
            "FATAL: role u with *** refused again");
  // A DSN libpq cannot parse: the error quotes none of the password.
  for (const std::string& dsn :
       {"host=db password=" + secret + " bogus", "host=db password='" + secret + "' =oops",
        "postgresql://u:" + secret + "@db/x?bogus=1"}) {
    const std::string m = message_of({{"dsn", dsn}});
    EXPECT_EQ(m.rfind("watermark.config.dsn: invalid connection string: ", 0), 0u) << m;
    EXPECT_EQ(m.find(secret), std::string::npos) << m;
  }
  // The free-standing redaction of connection text.
  EXPECT_EQ(redact_connection_text("password=abc host=x"), "password=*** host=x");
  EXPECT_EQ(redact_connection_text("PASSWORD = 'a b\\' c' host=x"), "password=*** host=x");
  EXPECT_EQ(redact_connection_text("postgres://bob:hunter2@db/x?sslmode=require"),
            "postgres://bob:***@db/x?sslmode=require");
  EXPECT_EQ(redact_connection_text("postgresql://db/x?user=a&password=hunter2&x=1"),
            "postgresql://db/x?user=a&password=***&x=1");
}

TEST(PostgresOptions, FactoryPassesOptionsAndNamesTheDriver) {
  EXPECT_EQ(error_of([] {
              open_watermark("postgres", "/nonexistent", {{"dsn", "host=x"}, {"bogus", "1"}});
            }).what(),
            std::string("watermark.config.bogus: unknown option (valid options: connect_timeout, "
                        "dsn, password_file, pool_size, table, timeout)"));
  EXPECT_EQ(error_of([] { open_watermark("postgres", "/nonexistent"); }).code(),
            ErrorCode::BadRequest);
}

}  // namespace
}  // namespace signatory::watermark
