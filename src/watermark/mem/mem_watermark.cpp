// In-memory watermark backend (see mem_watermark.h).
#include "watermark/mem/mem_watermark.h"

namespace signatory::watermark {

MemWatermark::MemWatermark() : table_([](const Slot&, const Mark&) {}) {}

tezos::Signature MemWatermark::guard(const Slot& slot, std::int32_t level, std::int32_t round,
                                     const crypto::Digest32& digest,
                                     const std::function<tezos::Signature()>& sign) {
  return table_.guard(slot, level, round, digest, sign);
}

std::vector<std::pair<Slot, Mark>> MemWatermark::marks() {
  return table_.marks();
}

RaiseResult MemWatermark::raise(const Slot& slot, const Mark& mark) {
  return table_.raise(slot, mark);
}

std::unique_ptr<Watermark> open_mem_watermark(const std::string&, const WatermarkOptions&) {
  return std::make_unique<MemWatermark>();
}

}  // namespace signatory::watermark
