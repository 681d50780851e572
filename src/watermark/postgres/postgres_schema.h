// The SQL of the postgres watermark backend: the versioned schema, its migration at start,
// and the statements each pooled connection prepares.
//
// Schema (version 1), table `<t>` (default `watermark`), one row per slot:
//   chain text, pkh text, kind text      -- Net…, tz…, attestation|preattestation|block
//   level integer, round integer         -- the high-water mark
//   digest bytea (32 bytes or NULL)      -- blake2b-256 of the request signed at the mark
//   signature text (or NULL)             -- its signature, base58 (edsig…, BLsig…, …)
//   updated_at timestamptz
//   PRIMARY KEY (chain, pkh, kind)
// and `<t>_schema (id = 1, version)` recording the version. Version 2 adds triggers (function
// `<t>_rises`) that refuse any change lowering a mark, deleting a row or truncating the table.
//
// Migration runs in one transaction under a transaction-scoped advisory lock derived from the
// table name, so signers starting together serialise: the first creates or upgrades, the
// others find the current version and change nothing. A version newer than this build is
// refused. A database already at the current version needs no CREATE privilege.
//
// Thread-safe (pure functions, plus `migrate` on a connection the caller owns).
#pragma once

#include <string>

#include "watermark/postgres/postgres_connection.h"
#include "watermark/postgres/postgres_options.h"

namespace signatory::watermark {

inline constexpr int kPgSchemaVersion = 2;

// Prepared statement names (see postgres_schema.cpp for their text and parameters).
inline constexpr const char* kPgReserve = "signatory_wm_reserve";
inline constexpr const char* kPgStoreSignatures = "signatory_wm_store_signatures";
inline constexpr const char* kPgRaise = "signatory_wm_raise";
inline constexpr const char* kPgMarks = "signatory_wm_marks";
// Can this session take a mark? (see writability_problem)
inline constexpr const char* kPgPing = "signatory_wm_ping";

// Brings the schema to kPgSchemaVersion; returns the version found before (0: none).
// Throws PgFailure (database trouble) or Error(500) for a schema newer than this build or a
// table of that name that this signer did not create.
int migrate_schema(PgConnection& conn, const PgTableName& table, PgClock::time_point deadline);

// What kPgPing answered, read: empty when the session can write marks, else why not (a read-only
// standby, read-only sessions, a role without INSERT or UPDATE on the table). The signer
// refuses to start and /healthz answers 503 with this reason (docs/watermark-postgres.md).
std::string writability_problem(const PgRows& ping, const PgTableName& table);

// What a new pooled connection runs once: synchronous_commit = on (whatever the cluster default),
// statement_timeout / lock_timeout of `timeout_ms`,
// then PREPARE of every statement above.
std::string connection_setup_sql(const PgTableName& table, long timeout_ms);

}  // namespace signatory::watermark
