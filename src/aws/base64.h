// RFC 4648 standard base64 (alphabet `+/`, `=` padding), the encoding AWS JSON 1.1 uses for
// blob members (Message, PublicKey, Signature). Decoding is strict: no whitespace, no URL-safe
// alphabet, padding required, no non-zero trailing bits. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace signatory::aws {

std::string base64_encode(ByteView data);
// nullopt when `text` is not canonical standard base64.
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace signatory::aws
