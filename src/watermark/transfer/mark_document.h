// The mark document: every high-water mark of a store as one versioned JSON document, the
// format of `signatory-cli watermark export` and the default input of `watermark import`
// (reference: docs/watermark-format.md, "Moving marks between signers"):
//
//   {"format": "signatory-watermarks", "version": 1, "marks": [
//     {"chain": "Net…", "pkh": "tz…", "kind": "attestation", "level": 5, "round": 0,
//      "digest": "<64 hex digits>" | null, "signature": "<base58>" | null}, …]}
//
// Writing is deterministic (marks in slot order, one per line, fixed field order). Reading is
// strict: an unknown format or version, a missing, unknown or duplicate field, a bad chain,
// pkh, kind, level, round, digest or signature, or two marks for one slot throw Error(400)
// naming the source, the entry index and the field; nothing is ever dropped silently.
// `attestation_with_dal` is read as `attestation` (see mark_kind).
//
// `raise_marks` merges marks into a store by maximum: a mark only ever goes up. Free
// functions; thread-safe (the store is thread-safe).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "watermark/core/watermark.h"

namespace signatory::watermark {

inline constexpr std::string_view kMarkDocumentFormat = "signatory-watermarks";
inline constexpr int kMarkDocumentVersion = 1;

using MarkList = std::vector<std::pair<Slot, Mark>>;

// The document of `marks` (sorted here), ending with a newline.
std::string write_mark_document(MarkList marks);

// The marks of a document; `source` (a file name) prefixes every error.
MarkList parse_mark_document(std::string_view text, const std::string& source);

// parse_mark_document of the file at `path`.
MarkList read_mark_document(const std::string& path);

struct ImportSummary {
  std::size_t read = 0;    // marks found in the source
  std::size_t raised = 0;  // marks that raised the store (the others were at or below it)
};

// Raises `store` to each of `marks` in order with Watermark::raise (a later mark of the same
// slot counts only if it is above the earlier ones), logging each at Info with `source`, then
// a summary. `raised` counts the marks that moved the store up; the others were at or below
// its mark already.
ImportSummary raise_marks(Watermark& store, const MarkList& marks, const std::string& source);

}  // namespace signatory::watermark
