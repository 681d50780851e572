// Structural walk of binary Micheline (Michelson data and code as Octez serialises them): the
// payload of a 0x05 PACK request and the ticket inside a zk_rollup_publish, which are not
// length-prefixed and so must be read node by node to find where they end.
//
// The walk is iterative with an explicit stack (never recursive), bounded by
// `kMaxMichelineDepth`, and checks what the wire format fixes: node tags 0x00–0x0a, primitive
// numbers 0–160 (protocols 024/025), uint30 lengths that fit their window, sequences and
// argument lists that end exactly at their length, canonical Zarith integers. It does not check
// Michelson typing or annotation syntax. Pure; thread-safe.
#pragma once

#include <cstddef>

#include "tezos/byte_reader.h"

namespace signatory::tezos {

// Deepest nesting accepted (sequence and primitive-argument levels).
inline constexpr std::size_t kMaxMichelineDepth = 10000;
// Highest Michelson primitive number of protocols 024/025 (GET_ADDRESS_INDEX).
inline constexpr std::uint8_t kMaxMichelsonPrimitive = 160;

// Reads exactly one Micheline expression at the reader's position; throws Error(BadRequest) naming
// the offset of the problem.
void skip_micheline_expression(ByteReader& reader);

}  // namespace signatory::tezos
