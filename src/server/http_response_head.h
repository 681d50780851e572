// Serialisation of the status line and header block of an HttpResponse, written by hand into a
// reused buffer (no per-response allocation once the buffer has grown): status line with the
// standard reason phrase, Content-Type, Content-Length, Date (RFC 7231 IMF-fixdate, cached per
// thread per second), Connection when needed, then the handler's extra headers. Framing headers
// the handler sets itself are ignored and headers that could split the response (CR, LF, NUL,
// a name that is not an RFC 7230 token) are dropped with a warning.
// Thread-safety: free functions; the date cache is thread-local.
#pragma once

#include <string>
#include <string_view>

#include "server/http_types.h"

namespace signatory::server {

enum class ConnectionHeader {
  None,       // HTTP/1.1 keep-alive (the default, nothing to say)
  KeepAlive,  // HTTP/1.0 client that asked for keep-alive
  Close,      // the server closes the connection after this response
};

// Whether a response with this status carries a body (not 1xx, 204 or 304).
bool status_has_body(int status);

// Clears `out` and writes "HTTP/1.1 <status> <reason>\r\n…\r\n" for `response`, whose body
// has `body_size` bytes (announced even when the body is not sent, e.g. for HEAD).
void write_response_head(std::string& out, const HttpResponse& response, std::size_t body_size,
                         ConnectionHeader connection);

// The current time as an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT". Valid until the next
// call on the same thread.
std::string_view http_date_now();

}  // namespace signatory::server
