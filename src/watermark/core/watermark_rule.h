// The high-water mark rule, apart from any storage: given the stored mark of a slot and a new
// request at (level, round) with `digest`, may the signer sign it? This is Signatory's file/mem
// rule (pkg/signatory/request/request.go) with one tightening: the "same digest" shortcut also
// requires the same (level, round), which identical bytes always have. And the one way a mark
// is merged into a store, by maximum (imports, floors, migrations, loading a log). Pure;
// thread-safe (the caller guards the marks it passes).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "crypto/blake2b.h"
#include "watermark/core/watermark.h"

namespace signatory::watermark {

enum class Verdict {
  ReturnStored,  // identical request already signed: give back the stored signature
  Sign,          // sign, store the new mark, then answer
  Reject,        // would sign twice at or below the mark: 409
};

// True if (level, round) is strictly above the mark's (level, round), lexicographically.
bool above(std::int32_t level, std::int32_t round, const Mark& mark);

// Identical request (same digest, same level and round) with a stored signature → ReturnStored;
// identical request without a stored signature (an imported mark) → Sign; (level, round)
// strictly above the mark or no mark → Sign; anything else → Reject.
Verdict judge(const std::optional<Mark>& stored, std::int32_t level, std::int32_t round,
              const crypto::Digest32& digest);

// What raising `stored` to `mark` by maximum would do, without doing it: Raised if there is no
// stored mark or (level, round) is strictly above it, else Equal or AlreadyHigher with the
// stored mark in `kept`.
RaiseResult judge_raise(const std::optional<Mark>& stored, const Mark& mark);

// Raises `stored` (resp. the slot's entry of `marks`) to `mark` by maximum and says what it did.
RaiseResult raise_mark(std::optional<Mark>& stored, const Mark& mark);
RaiseResult raise_mark(std::map<Slot, Mark>& marks, const Slot& slot, const Mark& mark);

}  // namespace signatory::watermark
