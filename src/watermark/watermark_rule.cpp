// The level/round/digest rule of high-water marks (see watermark_rule.h).
#include "watermark/watermark_rule.h"

namespace signatory::watermark {

bool above(std::int32_t level, std::int32_t round, const Mark& mark) {
  return level > mark.level || (level == mark.level && round > mark.round);
}

Verdict judge(const std::optional<Mark>& stored, std::int32_t level, std::int32_t round,
              const crypto::Digest32& digest) {
  if (!stored) return Verdict::Sign;
  if (stored->digest && *stored->digest == digest && stored->level == level &&
      stored->round == round) {
    return stored->signature ? Verdict::ReturnStored : Verdict::Sign;
  }
  return above(level, round, *stored) ? Verdict::Sign : Verdict::Reject;
}

}  // namespace signatory::watermark
