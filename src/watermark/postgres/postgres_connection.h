// One libpq connection of the postgres watermark backend, every wait bounded by a deadline.
// Statements are sent with libpq's non-blocking calls (PQsendQuery*, PQconsumeInput) and the
// socket is polled until the deadline, so a database that hangs (stopped process, network
// black hole) costs at most the deadline, never a stuck thread. After a failure of kind
// Connection or Timeout the connection must be thrown away; its state is unknown.
//
// Every message this file produces went through PgConnectParams::redact (no password).
// Not thread-safe: one user at a time (the pool hands it out).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "watermark/postgres/postgres_options.h"

namespace signatory::watermark {

using PgClock = std::chrono::steady_clock;

// A failed round trip (or connection attempt).
class PgFailure : public std::runtime_error {
 public:
  enum class Kind {
    Connection,  // could not connect, or the connection broke: the statement's fate is unknown
    Timeout,     // the deadline passed first: the statement's fate is unknown
    Statement,   // the server answered with an error (sqlstate says which)
  };
  PgFailure(Kind kind, const std::string& message, std::string sqlstate = {})
      : std::runtime_error(message), kind_(kind), sqlstate_(std::move(sqlstate)) {}
  Kind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }
  // True if the connection must not be used again (broken, timed out, or the server is
  // shutting down / read-only / out of resources, where a new connection may do better).
  bool connection_unusable() const;

 private:
  Kind kind_;
  std::string sqlstate_;
};

// The rows of one result, as text (NULL → nullopt).
struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class PgConnection {
 public:
  // Connects (non-blocking, polled) and returns only an open connection; throws PgFailure.
  static std::unique_ptr<PgConnection> open(std::shared_ptr<const PgConnectParams> params,
                                            PgClock::time_point deadline);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs a statement prepared on this connection with text parameters (nullopt → NULL).
  PgRows exec_prepared(const char* name, const std::vector<std::optional<std::string>>& params,
                       PgClock::time_point deadline);
  // Runs `sql` through the simple protocol (several statements allowed); returns the rows of
  // the last result.
  PgRows exec_simple(const std::string& sql, PgClock::time_point deadline);

  // Cheap check before reuse, without a round trip: false if libpq knows the connection is
  // bad or the server has closed it or sent something while it was idle (e.g. the
  // "terminating connection" notice of a shutdown).
  bool idle_and_healthy();

 private:
  PgConnection(PGconn* conn, std::shared_ptr<const PgConnectParams> params);
  PgRows collect(PgClock::time_point deadline);
  void wait_socket(bool for_write, PgClock::time_point deadline, const char* what);
  std::string last_error() const;

  PGconn* conn_;
  std::shared_ptr<const PgConnectParams> params_;
};

}  // namespace signatory::watermark
