// The HTTP/1 request parser of a connection: Beast's basic_parser writing straight into the
// connection's reused HttpRequest (method, target, version, headers and body strings keep their
// buffers from one request to the next). Only HTTP/1.0 and 1.1 are accepted; an
// `Expect: 100-continue` header is noted for the connection to answer. Limits (header and body
// size) are set by the caller on the parser. Not thread-safe: one per connection, used on its
// strand.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>

#include "server/http_types.h"

namespace signatory::server::detail {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(HttpRequest& request) : request_(request) {}
  bool expects_continue() const { return expect_continue_; }
  bool got_request_line() const { return got_request_line_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  HttpRequest& request_;
  std::size_t header_count_ = 0;
  bool expect_continue_ = false;
  bool got_request_line_ = false;
};

}  // namespace signatory::server::detail
