// One access line per request of the signer API, as Signatory's logging middleware writes it:
// message `<METHOD> <path>`, fields start_time, duration, status, hostname (Host header),
// method, path, plus client (the peer address). The query is never logged (it can carry an
// authentication signature). Wraps a handler; thread-safe as the handler it wraps.
#pragma once

#include "server/http_types.h"

namespace signatory::server {

HttpHandler with_access_log(HttpHandler handler);

}  // namespace signatory::server
