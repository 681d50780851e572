// Reading of consensus operation contents (see consensus_content.h).
#include "tezos/consensus_content.h"

#include <string>

namespace signatory::tezos {

std::optional<std::string_view> consensus_content_kind(std::uint8_t tag) {
  using namespace consensus_tag;
  switch (tag) {
    case kPreattestation:
      return "preattestation";
    case kAttestation:
      return "attestation";
    case kAttestationWithDal:
      return "attestation_with_dal";
    case kPreattestationsAggregate:
      return "preattestations_aggregate";
    case kAttestationsAggregate:
      return "attestations_aggregate";
    case kBlsModePreattestation:
      return "bls_mode_preattestation";
    case kBlsModeAttestation:
      return "bls_mode_attestation";
    default:
      return std::nullopt;
  }
}

ConsensusContent read_consensus_content(ByteReader& r, std::uint8_t tag) {
  using namespace consensus_tag;
  ConsensusContent c;
  c.tag = tag;
  switch (tag) {
    case kPreattestation:
    case kAttestation:
    case kAttestationWithDal:
      (void)r.u16("slot");
      break;
    case kPreattestationsAggregate:
    case kAttestationsAggregate:
    case kBlsModePreattestation:
    case kBlsModeAttestation:
      break;
    default:
      r.fail(r.offset(), "unknown consensus operation tag " + std::to_string(tag));
  }
  c.level = r.non_negative_i32("level");
  c.round = r.non_negative_i32("round");
  r.skip(32, "block_payload_hash");
  if (tag == kAttestationWithDal) (void)r.zarith_z("dal_attestation");
  if (tag == kPreattestationsAggregate || tag == kAttestationsAggregate) {
    ByteReader committee = r.length_prefixed("committee");
    while (!committee.at_end()) {
      (void)committee.u16("committee slot");
      if (tag == kAttestationsAggregate && committee.presence("committee dal_attestation"))
        (void)committee.zarith_z("committee dal_attestation");
    }
  }
  return c;
}

}  // namespace signatory::tezos
