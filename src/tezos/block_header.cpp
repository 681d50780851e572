// Reading of the unsigned Tenderbake block header (see block_header.h).
#include "tezos/block_header.h"

#include <string>

namespace signatory::tezos {

BlockHeaderSummary read_unsigned_block_header(ByteReader& r, PerBlockVotes votes) {
  BlockHeaderSummary out;
  out.level = r.i32("level");
  r.skip(1, "proto");
  r.skip(32, "predecessor");
  r.skip(8, "timestamp");
  r.skip(1, "validation_pass");
  r.skip(32, "operations_hash");

  ByteReader fitness = r.length_prefixed("fitness");
  std::optional<ByteReader> last;
  while (!fitness.at_end()) last = fitness.length_prefixed("fitness element");
  if (last && last->remaining() == 4) out.fitness_round = last->i32("fitness round");

  r.skip(32, "context");
  r.skip(32, "payload_hash");
  (void)r.non_negative_i32("payload_round");
  r.skip(8, "proof_of_work_nonce");
  if (r.presence("seed_nonce_hash")) r.skip(32, "seed_nonce_hash");

  std::size_t at = r.offset();
  std::uint8_t vote = r.u8("per_block_votes");
  bool ok = votes == PerBlockVotes::Protocol025
                ? vote <= 2
                : (vote <= 10 && (vote & 0x03) != 0x03);  // two packed 0..2 votes
  if (!ok) {
    r.fail(at, "per_block_votes " + std::to_string(vote) +
                   (votes == PerBlockVotes::Protocol025
                        ? " is not 0 (on), 1 (off) or 2 (pass)"
                        : " is not a valid vote (0-2, or two packed votes of protocol 023)"));
  }
  return out;
}

}  // namespace signatory::tezos
