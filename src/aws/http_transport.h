// The HTTP exchange the KMS client needs, behind an interface so tests can replay recorded
// replies without a network: one POST with headers and a body, answered by a status, headers
// and a body. A transport reports failures to get any answer (connection refused, timeout,
// TLS error) as TransportError; an HTTP error status is a normal HttpResponse.
//
// Implementations must allow `post` from several threads at once.
#pragma once

#include <stdexcept>
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

class TransportError : public std::runtime_error {
 public:
  enum class Kind { Connect, Timeout, Tls, Other };
  TransportError(Kind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpResponse post(const HttpRequest& request) = 0;
};

}  // namespace signatory::aws
