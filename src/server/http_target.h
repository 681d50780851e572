// Splits an HTTP request-target into its percent-decoded path and decoded query parameters,
// following Go's net/url (which Signatory's router sees): origin form "/a%20b?x=1&y=2",
// absolute form "http://host/a?x=1" (the path is taken) and "*". In the query '+' is a space;
// like Go's url.ParseQuery, a pair with a bad %-escape or a ';' is skipped and empty pairs are
// ignored. The output containers are overwritten in place so that a connection reusing them
// allocates nothing in the steady state. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signatory::server {

using HttpQuery = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes (and '+' as a space when `plus_is_space`) into `out` (cleared first).
// Returns false on a malformed escape ('%' not followed by two hex digits).
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out);

// Fills `path` and `query` from `target`. Returns false (leaving them unspecified) when the
// target is not a valid request-target or its path holds a malformed %-escape: the server
// answers 400.
bool parse_request_target(std::string_view target, std::string& path, HttpQuery& query);

}  // namespace signatory::server
