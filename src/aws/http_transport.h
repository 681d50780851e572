// The HTTP exchange the KMS client needs, behind an interface so tests can replay recorded
// replies without a network: one POST with headers and a body, answered by a status, headers
// and a body. A transport reports a failure to get any answer as a signatory::Error:
// UpstreamTimeout when the endpoint did not answer in time, Unavailable otherwise (connection
// refused, TLS error, …); an HTTP error status is a normal HttpResponse.
//
// Implementations must allow `post` from several threads at once.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace signatory::aws {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;

  // First header with this name (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResponse post(const HttpRequest& request) = 0;
};

}  // namespace signatory::aws
