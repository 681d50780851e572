// Error code → HTTP status (see error_status.h).
#include "server/error_status.h"

namespace signatory::server {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest:
      return 400;
    case ErrorCode::Unauthenticated:
      return 401;
    case ErrorCode::Forbidden:
      return 403;
    case ErrorCode::NotFound:
      return 404;
    case ErrorCode::Conflict:
      return 409;
    case ErrorCode::Internal:
      return 500;
    case ErrorCode::UpstreamFailure:
      return 502;
    case ErrorCode::Unavailable:
      return 503;
    case ErrorCode::UpstreamTimeout:
      return 504;
  }
  return 500;
}

}  // namespace signatory::server
