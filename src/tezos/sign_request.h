// What a sign request is, once its bytes are decoded: the request kind given by the magic byte
// (and, for 0x13, by the operation tag), the chain, level and round of consensus requests, and
// the kind of every operation of a generic batch. Decoding is strict: an unknown magic byte or
// tag, a truncated body or trailing bytes after a generic batch throw Error(BadRequest) naming the
// tag and byte offset. Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace signatory::tezos {

enum class RequestKind { Attestation, AttestationWithDal, Block, Generic, Pack, Preattestation };

// "attestation", "attestation_with_dal", "block", "generic", "pack", "preattestation"
std::string_view request_kind_name(RequestKind k);
std::optional<RequestKind> parse_request_kind(std::string_view name);
// Every request kind name, sorted (what `list-requests` prints).
const std::vector<std::string>& request_kind_names();
// Every generic operation kind a policy may name, pseudo-kinds included, sorted (`list-ops`).
const std::vector<std::string>& operation_kind_names();

// Consensus requests are the watermarked ones.
bool is_consensus(RequestKind k);

struct ChainId {
  std::array<std::uint8_t, 4> bytes{};
  std::string to_base58() const;                 // Net…
  static ChainId parse(std::string_view text);   // throws Error(BadRequest)
  auto operator<=>(const ChainId&) const = default;
};

struct SignRequest {
  RequestKind kind = RequestKind::Generic;
  // Consensus requests only.
  std::optional<ChainId> chain_id;
  std::int32_t level = 0;
  std::int32_t round = 0;
  // Generic requests: the kind of every content in order, as policy names them
  // (`transaction`, `stake`, `ballot:yay`, …).
  std::vector<std::string> operations;
};

// Decodes a request as the signer receives it (magic byte included). `version` is the signing
// version from the query (0, 1 or 2); version 1 reads 0x13 payloads as `attestation` whatever
// their tag.
SignRequest decode_sign_request(ByteView message, int version = 2);

}  // namespace signatory::tezos
