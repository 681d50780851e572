// The generic operation decoder (magic 0x03): branch (32 bytes) then operation contents until
// the end of the input, each a tag byte and a body whose layout the tag fixes. Layouts are those
// of protocol 025 (PsUshuai); 024 (PtTALLiN) is identical except for what 025 adds (tz5 keys,
// 2420-byte ML-DSA signatures, the lag_index of dal_entrapment_evidence).
//
// Decoding is strict and complete, as Octez's own decoder is: an unknown tag, a truncated body,
// a length prefix that overruns its window or leaves bytes unused inside it, a non-canonical or
// over-long Zarith number, an out-of-range enum, or trailing bytes (read as a further content)
// throw Error(BadRequest) naming the content, the field and the byte offset (magic byte = offset
// 0). An empty list, and a list of more than one content that is not all manager operations, are
// refused as Octez refuses them. Stricter than Octez on purpose: presence and boolean bytes must
// be 00 or ff (Octez takes any non-zero byte as "present", Taquito anything but ff as
// "absent"), and a generic request larger than Octez's max_operation_data_length (32 768 bytes
// of contents) plus the 33-byte envelope is refused. Deliberately as lenient as Octez: the
// padding byte after a KT1 hash is ignored, a Z "-0" (0x40) reads as 0, a negative
// increase_paid_storage amount and inlined consensus operations without signature decode (the
// protocol rejects them later; policy may too). Michelson inside length-prefixed lazy
// expressions is skipped by length, as Octez does; the ticket of zk_rollup_publish is walked
// node by node (micheline.h).
//
// Pure; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace signatory::tezos {

// Largest 0x03 request accepted: magic + branch + max_operation_data_length.
inline constexpr std::size_t kMaxGenericRequestSize = 1 + 32 + 32768;

struct OperationContent {
  std::uint8_t tag = 0;
  std::size_t offset = 0;  // of the tag byte in the request (magic byte = 0)
  std::string_view kind;   // Octez kind name: "transaction", "ballot", …
  // The name policy uses: the kind, except that a transaction to an implicit account whose
  // entrypoint is stake, unstake, finalize_unstake or set_delegate_parameters is named after
  // the entrypoint, and a ballot is "ballot:yay", "ballot:nay" or "ballot:pass".
  std::string policy_kind;
  // Transactions only: the decoded entrypoint ("default" when parameters are absent).
  std::string entrypoint;
};

struct GenericOperation {
  std::array<std::uint8_t, 32> branch{};
  std::vector<OperationContent> contents;  // at least one
};

// Decodes a whole generic request, magic byte 0x03 included.
GenericOperation decode_generic_operation(ByteView request);

// Octez kind name of a content tag valid in a generic operation, nullopt otherwise (so also for
// 40, 41 and 255, which exist only in other encodings).
std::optional<std::string_view> operation_kind_for_tag(std::uint8_t tag);

// Manager operations (reveal, transaction, …) are the tags >= 100 of protocol 025.
bool is_manager_operation_tag(std::uint8_t tag);

// Every tag operation_kind_for_tag knows, ascending.
const std::vector<std::uint8_t>& generic_operation_tags();

}  // namespace signatory::tezos
