// The Tezos JSON error body the server answers with when it rejects a request itself (body
// too large, malformed HTTP, handler failure): `[{"id":"failure","kind":"temporary","msg":"…"}]\n`,
// the shape octez clients and Signatory use. The message is escaped as Go's encoding/json does
// since Go 1.22 (\b \f \n \r \t, other controls and the HTML-sensitive `<`, `>`, `&` and
// U+2028/U+2029 as \u escapes, invalid UTF-8 bytes as \ufffd), so bodies are byte-identical to
// Signatory's. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace signatory::server {

// Appends `text` as a JSON string literal (with the quotes) the way Go's json.Marshal does.
void append_go_json_string(std::string& out, std::string_view text);

// `[{"id":"failure","kind":"temporary","msg":<message>}]\n`
std::string http_error_body(std::string_view message);

}  // namespace signatory::server
