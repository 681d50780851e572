// The request a handler of the HTTP server sees and the response it returns, with no Beast or
// Asio types in sight. The server fills an `HttpRequest` (reusing its buffers from one request
// to the next on the same connection) and passes it by const reference to an `HttpHandler`,
// which returns an `HttpResponse` by value; the server adds the framing headers
// (Content-Length, Date, Connection). A handler may throw `signatory::Error` (its status and
// message become the Tezos JSON error body) or anything else (500, logged).
//
// Thread-safety: an `HttpRequest` is only valid during the handler call and belongs to one
// connection; the handler itself is called from several io threads at once for different
// connections and must be safe for that.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signatory::server {

struct HttpRequest {
  std::string method;  // as received, e.g. "GET", "POST" (case preserved)
  std::string target;  // request-target as received, e.g. "/keys/tz1…?version=1"
  std::string path;    // percent-decoded path of the target, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order ('+' is a space)
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
  std::string remote_address;  // peer IP without port; IPv4-mapped IPv6 shown as IPv4
  int version = 11;            // 10 for HTTP/1.0, 11 for HTTP/1.1
  // TLS only (empty on plain HTTP, or when the client sent no certificate):
  std::string client_cert_subject;      // RFC 2253, e.g. "CN=baker,O=Example"
  std::string client_cert_fingerprint;  // lowercase hex SHA-256 of the certificate's DER
  // Subject CN(s), then DNS and URI subject alternative names of the verified certificate.
  std::vector<std::string> client_cert_names;

  // Value of the first header with this name (case-insensitive), "" if absent.
  std::string header(std::string_view name) const;
  // Value of the first query parameter with this exact name.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";  // empty: no Content-Type
  std::string body;
  // Extra headers. Content-Length, Transfer-Encoding, Connection, Date and Content-Type set here
  // are ignored (the server owns the framing; use `content_type`); a header whose name is not a
  // token or whose value holds CR, LF or NUL is dropped.
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace signatory::server
