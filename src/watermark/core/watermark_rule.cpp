// The level/round/digest rule of high-water marks and raising by maximum (see
// watermark_rule.h).
#include "watermark/core/watermark_rule.h"

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

RaiseResult judge_raise(const std::optional<Mark>& stored, const Mark& mark) {
  if (!stored || above(mark.level, mark.round, *stored)) return {RaiseOutcome::Raised, {}};
  const bool equal = stored->level == mark.level && stored->round == mark.round;
  return {equal ? RaiseOutcome::Equal : RaiseOutcome::AlreadyHigher, stored};
}

RaiseResult raise_mark(std::optional<Mark>& stored, const Mark& mark) {
  RaiseResult r = judge_raise(stored, mark);
  if (r.raised()) stored = mark;
  return r;
}

RaiseResult raise_mark(std::map<Slot, Mark>& marks, const Slot& slot, const Mark& mark) {
  auto it = marks.find(slot);
  if (it == marks.end()) {
    marks.emplace(slot, mark);
    return {RaiseOutcome::Raised, {}};
  }
  RaiseResult r = judge_raise(it->second, mark);
  if (r.raised()) it->second = mark;
  return r;
}

}  // namespace signatory::watermark
