// The one mapping from the signer's error codes (common/error.h) to HTTP statuses, used
// wherever an Error meets the wire: API answers, the HTTP server's own answer to a handler
// that throws, the access log, and the metrics labels that carry a status (Signatory's
// `code` and `status` labels). Pure; thread-safe.
#pragma once

#include "common/error.h"

namespace signatory::server {

// BadRequest 400, Unauthenticated 401, Forbidden 403, NotFound 404, Conflict 409,
// Internal 500, UpstreamFailure 502, Unavailable 503, UpstreamTimeout 504.
int http_status(ErrorCode code);

}  // namespace signatory::server
