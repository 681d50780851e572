// Strict JSON reading for the watermark import formats (our mark document and octez-signer's
// high watermark files): parsing that refuses duplicate object keys (which nlohmann::json
// would silently resolve to the last one, so a mark could be dropped unnoticed), and an
// int32 field check. Errors are Error(400) naming the source and the JSON path (e.g.
// `marks[3].level`). Free functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace signatory::watermark {

// Parses `text`; throws Error(400) "<source>: invalid JSON: …" or
// "<source>: duplicate key `<path>'".
nlohmann::json parse_json_strict(std::string_view text, const std::string& source);

// The value as an int32, or nullopt if it is not an integer in the int32 range.
std::optional<std::int32_t> json_int32(const nlohmann::json& value);

// The whole content of a regular file; throws Error(400) naming `path` if it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace signatory::watermark
