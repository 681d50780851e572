// Migration from octez-signer (`octez-signer … --check-high-watermark`): its base directory
// (default ~/.tezos-signer) holds one JSON file per request kind, named
// `<kind>_high_watermark`:
//
//   {"<chain id Net…>": {"<delegate pkh tz…>": {"level": L, "round": R,
//                                              "hash": "<hex blake2b-256>",
//                                              "signature": "<base58 signature>"}}}
//
// (src/bin_signer/handler.ml, High_watermark.encoding: `level` and `hash` required, `round`
// and `signature` optional; `hash` is Blake2B.hash_bytes of the whole signed bytes, magic
// byte included, which is exactly our digest). Files: `block_high_watermark`,
// `preattestation_high_watermark`, `attestation_high_watermark`, and the names of octez
// versions before the attestation renaming, `preendorsement_high_watermark` and
// `endorsement_high_watermark` (mapped to preattestation and attestation).
//
// A mark keeps level, round, digest and signature, so an identical retried request gets the
// stored signature, as octez-signer would answer it. A mark without `round` (Emmy-era
// octez) refused every request at its level, so it is imported as a floor over that whole
// level: round INT32_MAX, no digest. Reading is strict: invalid JSON, duplicate keys, a bad
// chain id, pkh, level, round, hash or signature, or an unknown field throw Error(400)
// naming the file and entry. Free functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "watermark/transfer/mark_document.h"

namespace signatory::watermark {

// True if `file_name` (no directory) ends with `_high_watermark`.
bool is_octez_watermark_file_name(std::string_view file_name);

// The request kind whose marks a file of that name holds, or nullopt for another name.
std::optional<tezos::RequestKind> octez_watermark_file_kind(std::string_view file_name);

// The marks of one file's content; `file` names it in errors.
MarkList parse_octez_watermark_file(tezos::RequestKind kind, std::string_view json_text,
                                    const std::string& file);

// One file, its kind taken from its name (Error 400 for a name that is not one of the five).
MarkList read_octez_watermark_file(const std::string& path);

// Every `*_high_watermark` file of the octez-signer base directory `dir`, in name order; a
// `*_high_watermark` file of an unknown kind is an error, other files are ignored. Throws
// Error(400) if `dir` holds none.
MarkList read_octez_watermark_dir(const std::string& dir);

}  // namespace signatory::watermark
