// The Tezos remote-signer HTTP API (Signatory's pkg/server, docs/differences.md) mapped onto the
// Signer:
//   GET  /keys/{pkh}                  → {"public_key":"edpk…"}
//   POST /keys/{pkh}  "03ab…"         → {"signature":"edsig…"}   (?version=, ?authentication=)
//   GET  /authorized_keys             → {} or {"authorized_keys":["tz1…",…]}
//   GET  /bls_prove_possession/{pkh}  → {"bls_prove_possession":"BLsig…"}
//   POST /login                       → 201 <token> (only with JWT users, see auth/jwt_auth.h)
// Errors are the Tezos JSON error body with the status of the failing stage; unknown routes are
// 404 (`404 page not found`) and known routes with another method 405, as gorilla/mux answers.
// With JWT users every other known route first needs a valid token (401 and Signatory's plain
// text otherwise); the token's user goes to the Signer as the client's `jwt_user`. The names
// of a verified TLS client certificate go to the Signer as the client's certificate names.
// The handler is stateless apart from the Signer and may run on many threads at once. Served
// from a SnapshotHolder (signer/signer_snapshot.h), each request takes the current snapshot
// once and is answered by its Signer and JWT users to the end, whatever a reload swaps in.
#pragma once

#include <string>

#include "auth/jwt_auth.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "signer/signer.h"
#include "signer/signer_snapshot.h"

namespace signatory::server {

// `metrics` and `jwt` may be null (no JWT: /login is 404 and no token is asked for).
HttpHandler make_signer_api(signer::Signer& signer, Metrics* metrics,
                            const auth::JwtAuthenticator* jwt = nullptr);
// The same API over whatever snapshot `snapshots` holds when each request starts (the server;
// reloadable). `snapshots` and `metrics` must outlive the handler.
HttpHandler make_signer_api(const signer::SnapshotHolder& snapshots, Metrics* metrics);

HttpResponse json_response(int status, std::string body);

// Parses a sign request body: a JSON string holding the hex of the bytes. Throws Error(BadRequest).
Bytes parse_sign_body(std::string_view body);

}  // namespace signatory::server
