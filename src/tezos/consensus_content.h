// Consensus operation contents: the body that follows the tag of a preattestation (20),
// attestation (21), attestation_with_dal (23), preattestations_aggregate (30),
// attestations_aggregate (31) and the BLS-mode forms a tz4 key signs (40 preattestation, 41
// attestation: no slot, no DAL). They appear after magic 0x12/0x13, inside generic operations
// (20–31) and inlined in double-signing and DAL entrapment evidence. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "tezos/byte_reader.h"

namespace signatory::tezos {

namespace consensus_tag {
inline constexpr std::uint8_t kPreattestation = 20;
inline constexpr std::uint8_t kAttestation = 21;
inline constexpr std::uint8_t kAttestationWithDal = 23;
inline constexpr std::uint8_t kPreattestationsAggregate = 30;
inline constexpr std::uint8_t kAttestationsAggregate = 31;
inline constexpr std::uint8_t kBlsModePreattestation = 40;
inline constexpr std::uint8_t kBlsModeAttestation = 41;
}  // namespace consensus_tag

// Octez kind name of a consensus tag ("preattestation", "bls_mode_attestation", …), nullopt for
// any other tag.
std::optional<std::string_view> consensus_content_kind(std::uint8_t tag);

struct ConsensusContent {
  std::uint8_t tag = 0;
  std::int32_t level = 0;
  std::int32_t round = 0;
};

// Reads the body of a consensus content whose tag byte has just been read. Layouts:
//   20, 21: slot uint16 ‖ level int32 ≥ 0 ‖ round int32 ≥ 0 ‖ block_payload_hash (32)
//   23:     as 21 ‖ dal_attestation (Zarith Z)
//   40, 41: level ‖ round ‖ block_payload_hash
//   30, 31: level ‖ round ‖ block_payload_hash ‖ committee (uint30 byte length ‖ elements;
//           30: slot uint16; 31: slot uint16 ‖ optional Z dal_attestation)
// Throws Error(BadRequest) for any other tag or a malformed body.
ConsensusContent read_consensus_content(ByteReader& r, std::uint8_t tag);

}  // namespace signatory::tezos
