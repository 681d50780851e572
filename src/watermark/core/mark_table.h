// The in-memory marks of a watermark backend and the per-slot serialisation of `guard`.
// Each slot (chain, pkh, kind) has its own mutex, held from the check through signing and
// persisting to the update of the in-memory mark; different slots never wait on each other
// (except inside `persist` if the backend serialises its writes). The table applies the rule
// of watermark_rule.h and calls the backend's `persist` hook before a new mark becomes
// visible or its signature is returned: if `persist` throws, the mark stays as it was and the
// signature is dropped.
//
// Thread-safe. `persist` is called with the slot's mutex held, never with the table's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "watermark/core/watermark.h"

namespace signatory::watermark {

class MarkTable {
 public:
  // Makes `mark` durable for `slot` or throws (Error 5xx); must not call back into the table.
  using Persist = std::function<void(const Slot& slot, const Mark& mark)>;

  explicit MarkTable(Persist persist);

  // Sets a slot's mark without persisting it (loading a store at start-up).
  void load(const Slot& slot, const Mark& mark);

  // Watermark::guard (see watermark.h).
  tezos::Signature guard(const Slot& slot, std::int32_t level, std::int32_t round,
                         const crypto::Digest32& digest,
                         const std::function<tezos::Signature()>& sign);

  // Every slot that has a mark, in slot order.
  std::vector<std::pair<Slot, Mark>> marks() const;

  // Watermark::raise: replaces the slot's mark by `mark` if (level, round) is strictly above it
  // or there is none (raise_mark of watermark_rule.h); persists before the change is visible.
  RaiseResult raise(const Slot& slot, const Mark& mark);

 private:
  struct Entry {
    std::mutex mutex;
    std::optional<Mark> mark;
  };
  Entry& entry(const Slot& slot);

  Persist persist_;
  mutable std::mutex table_mutex_;  // guards the map only; entries are never removed
  std::map<Slot, std::unique_ptr<Entry>> entries_;
};

}  // namespace signatory::watermark
