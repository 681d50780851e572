// Per-slot serialised check-sign-persist of high-water marks (see mark_table.h).
#include "watermark/core/mark_table.h"

#include "common/error.h"
#include "watermark/core/watermark_rule.h"

namespace signatory::watermark {

MarkTable::MarkTable(Persist persist) : persist_(std::move(persist)) {}

MarkTable::Entry& MarkTable::entry(const Slot& slot) {
  std::lock_guard lock(table_mutex_);
  auto& e = entries_[slot];
  if (!e) e = std::make_unique<Entry>();
  return *e;
}

void MarkTable::load(const Slot& slot, const Mark& mark) {
  Entry& e = entry(slot);
  std::lock_guard lock(e.mutex);
  e.mark = mark;
}

tezos::Signature MarkTable::guard(const Slot& slot, std::int32_t level, std::int32_t round,
                                  const crypto::Digest32& digest,
                                  const std::function<tezos::Signature()>& sign) {
  Entry& e = entry(slot);
  std::lock_guard lock(e.mutex);
  switch (judge(e.mark, level, round, digest)) {
    case Verdict::ReturnStored:
      return *e.mark->signature;
    case Verdict::Reject:
      throw conflict("watermark validation failed");
    case Verdict::Sign:
      break;
  }
  Mark next;
  next.level = level;
  next.round = round;
  next.digest = digest;
  next.signature = sign();  // a throw leaves the mark untouched
  persist_(slot, next);     // a throw drops the signature
  e.mark = next;
  return *next.signature;
}

std::vector<std::pair<Slot, Mark>> MarkTable::marks() const {
  std::vector<std::pair<Slot, Entry*>> slots;
  {
    std::lock_guard lock(table_mutex_);
    slots.reserve(entries_.size());
    for (const auto& [slot, e] : entries_) slots.emplace_back(slot, e.get());
  }
  std::vector<std::pair<Slot, Mark>> out;
  out.reserve(slots.size());
  for (const auto& [slot, e] : slots) {
    std::lock_guard lock(e->mutex);
    if (e->mark) out.emplace_back(slot, *e->mark);
  }
  return out;
}

RaiseResult MarkTable::raise(const Slot& slot, const Mark& mark) {
  Entry& e = entry(slot);
  std::lock_guard lock(e.mutex);
  RaiseResult r = judge_raise(e.mark, mark);
  if (!r.raised()) return r;
  persist_(slot, mark);  // a throw leaves the mark as it was
  e.mark = mark;
  return r;
}

}  // namespace signatory::watermark
