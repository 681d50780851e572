// RFC 4648 base64 in the two forms the signer meets: standard (alphabet `+/`, `=` padding;
// AWS JSON 1.1 blob members such as Message, PublicKey, Signature) and base64url without
// padding (alphabet `-_`; JSON Web Tokens, RFC 7515 §2). Decoding is strict in both forms: no
// whitespace, no other alphabet, padding exactly as the form says (required for standard,
// refused for base64url), no impossible length and no non-zero trailing bits, so that every
// byte string has exactly one text. Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace signatory {

std::string base64_encode(ByteView data);
// nullopt when `text` is not canonical standard base64.
std::optional<Bytes> base64_decode(std::string_view text);

std::string base64url_encode(ByteView data);
// nullopt when `text` is not canonical unpadded base64url.
std::optional<Bytes> base64url_decode(std::string_view text);

}  // namespace signatory
