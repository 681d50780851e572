// Schema, migration and prepared statements of the postgres watermark backend (see
// postgres_schema.h; the atomicity argument is in docs/watermark-postgres.md).
#include "watermark/postgres/postgres_schema.h"

#include "common/error.h"
#include "common/log.h"

namespace signatory::watermark {
namespace {

// Migration N takes the schema from version N-1 to N. Statements only; the version row is
// written by migrate_schema.
std::string migration(int version, const PgTableName& t) {
  switch (version) {
    case 1:
      return "CREATE TABLE IF NOT EXISTS " + t.quoted_meta() +
             " (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL,"
             " updated_at timestamptz NOT NULL DEFAULT now());"
             "CREATE TABLE " +
             t.quoted() +
             " (chain text NOT NULL, pkh text NOT NULL, kind text NOT NULL,"
             " level integer NOT NULL, round integer NOT NULL,"
             " digest bytea CHECK (digest IS NULL OR octet_length(digest) = 32),"
             " signature text,"
             " updated_at timestamptz NOT NULL DEFAULT now(),"
             " PRIMARY KEY (chain, pkh, kind)) WITH (fillfactor = 50)";
    case 2:
      // Marks only rise, whoever writes (docs/watermark-postgres.md, "Marks only rise"): a row
      // is never deleted (nor the table truncated), its slot never changes, its (level,
      // round) never goes down, and at the same (level, round) its digest never changes and
      // a stored signature stays. Every statement of the signer passes; a hand edit that
      // would lower a mark fails. Only the table's owner can disable it.
      return "CREATE FUNCTION " + t.quoted_sibling("_rises") +
             "() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN"
             " IF TG_OP <> 'UPDATE' THEN RAISE EXCEPTION"
             " 'watermark table %: % refused: high-water marks are never removed', TG_TABLE_NAME,"
             " TG_OP USING ERRCODE = 'insufficient_privilege'; END IF;"
             " IF (NEW.chain, NEW.pkh, NEW.kind) IS DISTINCT FROM (OLD.chain, OLD.pkh, OLD.kind)"
             " OR (NEW.level, NEW.round) < (OLD.level, OLD.round)"
             " OR ((NEW.level, NEW.round) = (OLD.level, OLD.round)"
             " AND (NEW.digest IS DISTINCT FROM OLD.digest"
             " OR (OLD.signature IS NOT NULL AND NEW.signature IS DISTINCT FROM OLD.signature)))"
             " THEN RAISE EXCEPTION 'watermark table %: the mark of (%, %, %) at level % round %"
             " may only rise', TG_TABLE_NAME, OLD.chain, OLD.pkh, OLD.kind, OLD.level, OLD.round"
             " USING ERRCODE = 'insufficient_privilege'; END IF;"
             " RETURN NEW; END $f$;"
             "CREATE TRIGGER marks_only_rise BEFORE UPDATE OR DELETE ON " +
             t.quoted() + " FOR EACH ROW EXECUTE FUNCTION " + t.quoted_sibling("_rises") +
             "();"
             "CREATE TRIGGER marks_never_truncated BEFORE TRUNCATE ON " +
             t.quoted() + " FOR EACH STATEMENT EXECUTE FUNCTION " + t.quoted_sibling("_rises") +
             "()";
  }
  throw internal_error("watermark store: no migration to schema version " +
                       std::to_string(version));
}

// The whole check-and-advance in one statement (one round trip, autocommit):
//  - the INSERT … ON CONFLICT DO UPDATE takes the slot row's lock and writes the new mark
//    only if (level, round) is strictly above the stored one, or it is the same request (same
//    level, round and digest) whose signature is not stored yet;
//  - if it wrote, the statement returns `true` (the caller may sign);
//  - if not, it returns the stored mark (false, level, round, digest, signature) so the
//    caller can answer 409 or give back the stored signature. That SELECT reads the
//    statement's snapshot, which may predate the row version the upsert saw; the caller
//    retries when the row it gets back would have allowed signing or is missing.
// `… RETURNING 1)` closes the upsert `ins`; then `true` if it wrote, else the slot's row
// (false, level, round, digest, signature), as read by the statement's snapshot.
std::string written_or_stored(const std::string& quoted_table) {
  return " RETURNING 1)"
         " SELECT true, NULL::integer, NULL::integer, NULL::bytea, NULL::text FROM ins"
         " UNION ALL"
         " SELECT false, level, round, digest, signature FROM " +
         quoted_table +
         " WHERE chain = $1 AND pkh = $2 AND kind = $3 AND NOT EXISTS (SELECT 1 FROM ins)";
}

std::string reserve_sql(const PgTableName& t) {
  const std::string q = t.quoted();
  return "WITH ins AS (INSERT INTO " + q +
         " AS m (chain, pkh, kind, level, round, digest) VALUES ($1, $2, $3, $4, $5, $6)"
         " ON CONFLICT (chain, pkh, kind) DO UPDATE SET level = excluded.level,"
         " round = excluded.round, digest = excluded.digest, signature = NULL,"
         " updated_at = now()"
         " WHERE (m.level, m.round) < (excluded.level, excluded.round)"
         " OR (m.level = excluded.level AND m.round = excluded.round"
         " AND m.digest = excluded.digest AND m.signature IS NULL)" +
         written_or_stored(q);
}

// Stores signatures of reserved marks, in batches; a row that has moved on (another level,
// round or digest) or already has a signature is left alone.
std::string store_signatures_sql(const PgTableName& t) {
  return "UPDATE " + t.quoted() +
         " AS m SET signature = v.signature, updated_at = now()"
         " FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::integer[],"
         " $6::text[], $7::text[]) AS v(chain, pkh, kind, level, round, digest, signature)"
         " WHERE m.chain = v.chain AND m.pkh = v.pkh AND m.kind = v.kind"
         " AND m.level = v.level AND m.round = v.round"
         " AND m.digest = decode(v.digest, 'hex') AND m.signature IS NULL";
}

// Raises a mark (import, set-floor): never lowers; an equal (level, round) keeps the stored
// mark. Returns `true` if it wrote, else the stored mark (false, level, round, digest,
// signature), read like reserve_sql's (the caller retries when that row is missing or lower).
std::string raise_sql(const PgTableName& t) {
  const std::string q = t.quoted();
  return "WITH ins AS (INSERT INTO " + q +
         " AS m (chain, pkh, kind, level, round, digest, signature)"
         " VALUES ($1, $2, $3, $4, $5, $6, $7)"
         " ON CONFLICT (chain, pkh, kind) DO UPDATE SET level = excluded.level,"
         " round = excluded.round, digest = excluded.digest, signature = excluded.signature,"
         " updated_at = now()"
         " WHERE (m.level, m.round) < (excluded.level, excluded.round)" +
         written_or_stored(q);
}

std::string marks_sql(const PgTableName& t) {
  return "SELECT chain, pkh, kind, level, round, digest, signature FROM " + t.quoted();
}

bool is_true(const std::optional<std::string>& v) {
  return v && *v == "t";
}

// kPgPing: whether this session could write a mark now. Names are [a-z0-9_.] (validated), so
// they are safe inside the literals.
std::string writability_sql(const PgTableName& table) {
  const std::string name = "'" + table.qualified() + "'";
  return "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on',"
         " has_table_privilege(" + name + ", 'INSERT'), has_table_privilege(" + name +
         ", 'UPDATE'), current_user";
}

}  // namespace

std::string writability_problem(const PgRows& ping, const PgTableName& table) {
  if (ping.rows.empty() || ping.rows[0].size() < 5) return "unexpected answer to the write check";
  const auto& row = ping.rows[0];
  if (is_true(row[0])) return "the server is a read-only standby (in recovery); marks need the primary";
  if (is_true(row[1]))
    return "the session is read-only (default_transaction_read_only is on for this role or "
           "database)";
  std::string missing;
  if (!is_true(row[2])) missing = "INSERT";
  if (!is_true(row[3])) missing += missing.empty() ? "UPDATE" : " and UPDATE";
  if (!missing.empty())
    return "role " + row[4].value_or("?") + " lacks " + missing + " on table " +
           table.qualified() + ": it cannot write marks";
  return {};
}

int migrate_schema(PgConnection& conn, const PgTableName& table, PgClock::time_point deadline) {
  const std::string name = table.qualified();
  // Names are [a-z0-9_.] (validated), so they are safe inside these literals.
  conn.exec_simple(
      "BEGIN; SELECT pg_advisory_xact_lock(hashtext('signatory watermark schema " + name + "'))",
      deadline);
  const PgRows found =
      conn.exec_simple("SELECT to_regclass('" + table.meta_qualified() +
                           "') IS NOT NULL, to_regclass('" + name + "') IS NOT NULL",
                       deadline);
  const bool has_meta = is_true(found.rows.at(0).at(0));
  const bool has_table = is_true(found.rows.at(0).at(1));
  int version = 0;
  if (has_meta) {
    const PgRows v =
        conn.exec_simple("SELECT version FROM " + table.quoted_meta() + " WHERE id = 1", deadline);
    if (!v.rows.empty() && v.rows[0].at(0)) version = std::stoi(*v.rows[0][0]);
  }
  if (version > kPgSchemaVersion) {
    conn.exec_simple("ROLLBACK", deadline);
    throw internal_error("watermark store: table " + name + " has schema version " +
                         std::to_string(version) + ", newer than this signer's " +
                         std::to_string(kPgSchemaVersion) + "; upgrade the signer");
  }
  if (version == 0 && has_table) {
    conn.exec_simple("ROLLBACK", deadline);
    throw internal_error("watermark store: table " + name + " exists but has no " +
                         table.meta_qualified() +
                         " version record, so it was not created by this signer; choose "
                         "another watermark.config.table");
  }
  if (version == kPgSchemaVersion) {
    conn.exec_simple("COMMIT", deadline);
    return version;
  }
  for (int v = version + 1; v <= kPgSchemaVersion; ++v)
    conn.exec_simple(migration(v, table), deadline);
  conn.exec_simple("INSERT INTO " + table.quoted_meta() + " (id, version) VALUES (1, " +
                       std::to_string(kPgSchemaVersion) +
                       ") ON CONFLICT (id) DO UPDATE SET version = excluded.version,"
                       " updated_at = now(); COMMIT",
                   deadline);
  log::info(version == 0 ? "Watermark table created" : "Watermark table migrated",
            {{"table", name},
             {"from_version", std::to_string(version)},
             {"to_version", std::to_string(kPgSchemaVersion)}});
  return version;
}

std::string connection_setup_sql(const PgTableName& table, long timeout_ms) {
  const std::string ms = std::to_string(timeout_ms);
  // synchronous_commit is forced on for the signer's sessions: a reservation is only "committed"
  // once it is flushed (and, with a synchronous standby, on the standby too), whatever the
  // cluster default, so a database crash cannot forget a mark whose signature has left.
  return "SET synchronous_commit = on; SET statement_timeout = " + ms +
         "; SET lock_timeout = " + ms + "; PREPARE " +
         kPgReserve + " (text, text, text, integer, integer, bytea) AS " + reserve_sql(table) +
         "; PREPARE " + kPgStoreSignatures +
         " (text[], text[], text[], integer[], integer[], text[], text[]) AS " +
         store_signatures_sql(table) + "; PREPARE " + kPgRaise +
         " (text, text, text, integer, integer, bytea, text) AS " + raise_sql(table) +
         "; PREPARE " + kPgMarks + " AS " + marks_sql(table) + "; PREPARE " + kPgPing + " AS " + writability_sql(table);
}

}  // namespace signatory::watermark
