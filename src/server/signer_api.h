// The Tezos remote-signer HTTP API (reference §1) mapped onto the Signer:
//   GET  /keys/{pkh}                  → {"public_key":"edpk…"}
//   POST /keys/{pkh}  "03ab…"         → {"signature":"edsig…"}   (?version=, ?authentication=)
//   GET  /authorized_keys             → {} or {"authorized_keys":["tz1…",…]}
//   GET  /bls_prove_possession/{pkh}  → {"bls_prove_possession":"BLsig…"}
// Errors are the Tezos JSON error body with the status of the failing stage; unknown routes are
// 404 (`404 page not found`) and known routes with another method 405, as gorilla/mux answers.
// The handler is stateless apart from the Signer and may run on many threads at once.
#pragma once

#include <string>

#include "server/http_server.h"
#include "server/metrics.h"
#include "signer/signer.h"

namespace signatory::server {

// `metrics` may be null.
HttpHandler make_signer_api(signer::Signer& signer, Metrics* metrics);

HttpResponse json_response(int status, std::string body);

// Parses a sign request body: a JSON string holding the hex of the bytes. Throws Error(400).
Bytes parse_sign_body(std::string_view body);

}  // namespace signatory::server
