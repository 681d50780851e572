// A libpq connection with deadlines on every wait (see postgres_connection.h).
#include "watermark/postgres/postgres_connection.h"

#include <poll.h>

#include <cerrno>
#include <cstring>

namespace signatory::watermark {
namespace {

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultFree>;

int remaining_ms(PgClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - PgClock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
}

}  // namespace

bool PgFailure::connection_unusable() const {
  if (kind_ != Kind::Statement) return true;
  // 08 connection exception, 57 operator intervention (admin shutdown, cannot connect now),
  // 53 insufficient resources, 58 system error, 25006 read-only transaction (a standby after
  // a failover: a new connection may reach the new primary).
  const std::string cls = sqlstate_.substr(0, 2);
  return cls == "08" || cls == "57" || cls == "53" || cls == "58" || sqlstate_ == "25006" ||
         sqlstate_.empty();
}

PgConnection::PgConnection(PGconn* conn, std::shared_ptr<const PgConnectParams> params)
    : conn_(conn), params_(std::move(params)) {}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

std::string PgConnection::last_error() const {
  const char* m = PQerrorMessage(conn_);
  std::string text = params_->redact(m ? m : "");
  return text.empty() ? "connection failed" : text;
}

void PgConnection::wait_socket(bool for_write, PgClock::time_point deadline, const char* what) {
  const int fd = PQsocket(conn_);
  if (fd < 0) throw PgFailure(PgFailure::Kind::Connection, "connection has no socket");
  for (;;) {
    const int ms = remaining_ms(deadline);
    if (ms == 0) throw PgFailure(PgFailure::Kind::Timeout, std::string("timed out ") + what);
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    const int n = ::poll(&p, 1, ms);
    if (n > 0) return;
    if (n < 0 && errno != EINTR)
      throw PgFailure(PgFailure::Kind::Connection, std::string("poll: ") + std::strerror(errno));
  }
}

std::unique_ptr<PgConnection> PgConnection::open(std::shared_ptr<const PgConnectParams> params,
                                                 PgClock::time_point deadline) {
  PGconn* raw = PQconnectStartParams(params->keywords(), params->values(), 0);
  if (!raw) throw PgFailure(PgFailure::Kind::Connection, "out of memory");
  std::unique_ptr<PgConnection> c(new PgConnection(raw, params));
  if (PQstatus(raw) == CONNECTION_BAD)
    throw PgFailure(PgFailure::Kind::Connection, c->last_error());
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  for (;;) {
    if (st == PGRES_POLLING_OK) break;
    if (st == PGRES_POLLING_FAILED) throw PgFailure(PgFailure::Kind::Connection, c->last_error());
    c->wait_socket(st == PGRES_POLLING_WRITING, deadline, "connecting to the database");
    st = PQconnectPoll(raw);
  }
  if (PQsetnonblocking(raw, 1) != 0) throw PgFailure(PgFailure::Kind::Connection, c->last_error());
  // libpq prints notices (and the FATAL of a server shutdown) to stderr by default.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);
  return c;
}

PgRows PgConnection::collect(PgClock::time_point deadline) {
  // Push the query out, then read every result until libpq says the command is done.
  for (;;) {
    const int f = PQflush(conn_);
    if (f == 0) break;
    if (f < 0) throw PgFailure(PgFailure::Kind::Connection, last_error());
    wait_socket(true, deadline, "sending to the database");
  }
  PgRows out;
  std::optional<PgFailure> failure;
  for (;;) {
    while (!PQisBusy(conn_)) {
      ResultPtr r(PQgetResult(conn_));
      if (!r) {
        if (failure) throw *failure;
        return out;
      }
      const ExecStatusType st = PQresultStatus(r.get());
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        out.rows.clear();
        const int n = PQntuples(r.get()), cols = PQnfields(r.get());
        out.rows.reserve(n);
        for (int i = 0; i < n; ++i) {
          std::vector<std::optional<std::string>> row;
          row.reserve(cols);
          for (int j = 0; j < cols; ++j) {
            if (PQgetisnull(r.get(), i, j)) {
              row.emplace_back();
            } else {
              row.emplace_back(std::string(PQgetvalue(r.get(), i, j),
                                           static_cast<std::size_t>(PQgetlength(r.get(), i, j))));
            }
          }
          out.rows.push_back(std::move(row));
        }
      } else if (!failure) {
        const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        const char* msg = PQresultErrorMessage(r.get());
        std::string text = params_->redact(msg ? msg : "");
        if (text.empty()) text = std::string("unexpected result ") + PQresStatus(st);
        if (PQstatus(conn_) == CONNECTION_BAD) {
          failure.emplace(PgFailure::Kind::Connection, text);
        } else {
          failure.emplace(PgFailure::Kind::Statement, text, state ? state : "");
        }
      }
      if (PQstatus(conn_) == CONNECTION_BAD) {
        throw failure ? *failure : PgFailure(PgFailure::Kind::Connection, last_error());
      }
    }
    wait_socket(false, deadline, "waiting for the database");
    if (!PQconsumeInput(conn_)) throw PgFailure(PgFailure::Kind::Connection, last_error());
  }
}

PgRows PgConnection::exec_prepared(const char* name,
                                   const std::vector<std::optional<std::string>>& params,
                                   PgClock::time_point deadline) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (!PQsendQueryPrepared(conn_, name, static_cast<int>(values.size()), values.data(), nullptr,
                           nullptr, 0))
    throw PgFailure(PgFailure::Kind::Connection, last_error());
  return collect(deadline);
}

PgRows PgConnection::exec_simple(const std::string& sql, PgClock::time_point deadline) {
  if (!PQsendQuery(conn_, sql.c_str())) throw PgFailure(PgFailure::Kind::Connection, last_error());
  return collect(deadline);
}

bool PgConnection::idle_and_healthy() {
  if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
  const int fd = PQsocket(conn_);
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, 0);
  if (n == 0) return true;  // nothing pending: the usual case
  // Readable while idle: EOF, an error (FATAL on shutdown) or a notice. Read it.
  if (!PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK) return false;
  while (!PQisBusy(conn_)) {
    ResultPtr r(PQgetResult(conn_));
    if (!r) break;
    return false;  // a result while idle: something we don't expect; don't trust it
  }
  return PQstatus(conn_) == CONNECTION_OK;
}

}  // namespace signatory::watermark
