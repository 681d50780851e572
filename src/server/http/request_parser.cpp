// The request parser's callbacks (see request_parser.h).
#include "server/http/request_parser.h"

#include <boost/beast/http/error.hpp>

#include "common/ascii.h"

namespace signatory::server::detail {

namespace http = boost::beast::http;

void RequestParser::on_request_impl(http::verb, string_view method, string_view target, int version,
                                    error_code& ec) {
  request_.method.assign(method);
  request_.target.assign(target);
  request_.version = version;
  request_.body.clear();
  got_request_line_ = true;
  if (version != 10 && version != 11) ec = http::error::bad_version;
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = http::error::bad_method;  // unreachable for a request parser
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                  error_code&) {
  auto& headers = request_.headers;
  if (header_count_ == headers.size()) headers.emplace_back();
  headers[header_count_].first.assign(name_string);
  headers[header_count_].second.assign(value);
  ++header_count_;
  if (name == http::field::expect && iequals(value, "100-continue")) expect_continue_ = true;
}

void RequestParser::on_header_impl(error_code&) {
  request_.headers.resize(header_count_);
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  // The length was checked against the body limit before this call.
  if (length) request_.body.reserve(static_cast<std::size_t>(*length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
  request_.body.append(body);
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  request_.body.append(body);
  return body.size();
}

}  // namespace signatory::server::detail
