// The options of the `postgres` watermark backend, as given under `watermark.config` (each a
// scalar, passed as text by the caller), their validation, and the connection parameters
// handed to libpq.
//
//   dsn              libpq connection string or URI (required); a password in it works but
//                    is never logged; prefer password_file
//   password_file    file holding the password (whitespace around it trimmed)
//   table            table name, `name` or `schema.name` ([a-z_][a-z0-9_]*), default watermark
//   pool_size        connections kept open, 1..64, default 4
//   connect_timeout  bound on opening one connection, default 2s
//   timeout          bound on one request's whole store work (waiting for a connection or
//                    the slot, connecting, the statement), default 2s; also the server-side
//                    statement_timeout and lock_timeout
// Durations: a number of seconds ("1.5") or with a unit ("250ms", "2s", "1m").
//
// Also the redaction of libpq messages: nothing this file produces carries the password.
// Pure apart from reading password_file; the result is immutable and safe to share.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config_node.h"
#include "crypto/secret_bytes.h"

namespace signatory::watermark {

// Keyword/value pairs for PQconnectStartParams; the password lives in wiped memory.
class PgConnectParams {
 public:
  // Parses `dsn` with libpq; `password` (may be empty) overrides a password in the DSN.
  // Throws Error(400) naming `dsn` of `options` (its position), with the password redacted.
  PgConnectParams(const std::string& dsn, crypto::SecretBytes password, const ConfigNode& options);
  PgConnectParams(const PgConnectParams&) = delete;
  PgConnectParams& operator=(const PgConnectParams&) = delete;

  // NULL-terminated arrays valid for the lifetime of this object.
  const char* const* keywords() const { return keyword_ptrs_.data(); }
  const char* const* values() const { return value_ptrs_.data(); }
  // "host=… port=… dbname=… user=…" for logs: no password, whatever the DSN held.
  const std::string& display() const { return display_; }
  bool dsn_had_password() const { return dsn_had_password_; }
  // Replaces the password, wherever it occurs in `message`, and any `password=…` or
  // `user:…@` form, by ***; also folds newlines and tabs into single spaces.
  std::string redact(std::string_view message) const;

 private:
  std::vector<std::string> keywords_;
  std::vector<std::string> plain_values_;     // parallel to keywords_ ("" for a secret)
  std::vector<int> secret_of_;                // parallel to keywords_: index in secrets_ or -1
  std::vector<crypto::SecretBytes> secrets_;  // NUL-terminated passwords
  std::vector<const char*> keyword_ptrs_;
  std::vector<const char*> value_ptrs_;
  std::string display_;
  bool dsn_had_password_ = false;
};

// The table and its schema-version companion `<table>_schema`, quoted for SQL.
struct PgTableName {
  std::string schema;  // empty: the connection's search_path
  std::string name;
  std::string qualified() const;       // `schema.name` or `name` (for messages)
  std::string quoted() const;          // "schema"."name"
  std::string quoted_meta() const;     // "schema"."name_schema"
  // "schema"."name<suffix>": an object named after the table (the name stays within
  // PostgreSQL's 63 bytes for suffixes of up to 8 characters).
  std::string quoted_sibling(std::string_view suffix) const;
  std::string meta_qualified() const;  // schema.name_schema (to_regclass argument)
};

struct PostgresOptions {
  std::shared_ptr<const PgConnectParams> connect;
  PgTableName table{"", "watermark"};
  int pool_size = 4;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{2000};
};

// Validates `options` (the keys above, each a scalar; anything else is an error) and reads
// password_file. Throws Error(400) "<file>:<line>: watermark.config.<key>: <reason>".
PostgresOptions parse_postgres_options(const ConfigNode& options);
// The same with options written in code (tests, tools): `watermark.config` without positions.
PostgresOptions parse_postgres_options(const std::map<std::string, std::string>& options);

// Free-standing redaction for messages produced before a DSN could be parsed.
std::string redact_connection_text(std::string_view message);

// "250ms", "2s", "1.5", "1m" → milliseconds; throws std::invalid_argument with the reason.
std::chrono::milliseconds parse_duration(std::string_view text);

}  // namespace signatory::watermark
