// The unsigned Tenderbake block header (shell header ‖ protocol data without its signature), as
// a baker signs it under magic 0x11 (after the chain id) and as it appears, followed by a
// signature, inside double_baking_evidence. Reading it yields what the high-water mark needs:
// the shell level and the block round, which is the LAST fitness element (a re-proposal keeps
// its payload_round but has a higher fitness round).
//
// Layout: level int32 ‖ proto uint8 ‖ predecessor (32) ‖ timestamp int64 ‖ validation_pass uint8
// ‖ operations_hash (32) ‖ fitness (uint30 length ‖ elements, each uint30 length ‖ bytes) ‖
// context (32) ‖ payload_hash (32) ‖ payload_round int32 ≥ 0 ‖ proof_of_work_nonce (8) ‖
// seed_nonce_hash (00 | ff ‖ 32) ‖ per_block_votes uint8. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "tezos/byte_reader.h"

namespace signatory::tezos {

// Which per_block_votes bytes are accepted.
enum class PerBlockVotes {
  // Protocols 024/025: 0 on, 1 off, 2 pass (what an operation of 025 may contain).
  Protocol025,
  // Any protocol a baker may still sign for: 024/025 values plus 023's packed pairs
  // (0, 1, 2, 4, 5, 6, 8, 9, 10).
  AnySupported,
};

struct BlockHeaderSummary {
  std::int32_t level = 0;
  // The last fitness element read as an int32, when it is 4 bytes long (Tenderbake round).
  std::optional<std::int32_t> fitness_round;
};

// Reads one unsigned block header at the reader's position (no signature, no chain id).
BlockHeaderSummary read_unsigned_block_header(ByteReader& r, PerBlockVotes votes);

}  // namespace signatory::tezos
