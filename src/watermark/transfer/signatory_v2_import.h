// Migration from ECAD Labs Signatory's `file` watermark store: the `watermark_v2/` directory
// of its base_dir, one `<chain id>.json` per chain holding
// {"<pkh>": {"<request kind>": {"level": L, "round": R, "hash": "vh…"}}} (round and hash may
// be missing or null). Used by the `file` backend on its first start and by
// `signatory-cli watermark import`.
//
// Reading is strict: a file that is not valid JSON, a name that is not a chain id, a bad pkh,
// level, round or hash throws Error(400) naming the file and the entry, so no mark is ever
// silently dropped. The one exception is a request kind that is not a consensus kind of today
// (e.g. `endorsement`/`preendorsement`, left by Signatory's v1 migration, which Signatory
// itself never matches again): it is skipped with a warning. Kinds are mapped with
// `mark_kind`, so Signatory's separate `attestation_with_dal` marks land on the `attestation`
// slot (several marks of one slot: the highest wins when imported). Free functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "watermark/transfer/mark_document.h"

namespace signatory::watermark {

// Name of Signatory's store directory inside base_dir.
inline constexpr std::string_view kSignatoryV2DirName = "watermark_v2";

// Marks of one chain file; `file` names it in errors and warnings.
std::vector<std::pair<Slot, Mark>> parse_signatory_v2_file(const tezos::ChainId& chain,
                                                           std::string_view json_text,
                                                           const std::string& file);

// Marks of every regular `*.json` file of `dir` (files sorted by name). Throws Error(400) if
// `dir` is not a readable directory.
std::vector<std::pair<Slot, Mark>> read_signatory_v2_dir(const std::string& dir);

// Raises `store` to every mark of the Signatory v2 directory `dir`, logging each one (Info)
// and a summary. A mark never lowers the store.
ImportSummary import_signatory_v2(Watermark& store, const std::string& dir);

}  // namespace signatory::watermark
