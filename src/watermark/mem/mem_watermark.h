// The `mem` watermark backend: high-water marks held in memory only, lost when the process
// exits (Signatory's `mem` driver). Same rule and per-slot serialisation as `file`. For tests
// and throw-away setups; never for a baker that may restart. Thread-safe.
#pragma once

#include "watermark/core/mark_table.h"
#include "watermark/core/watermark.h"
#include "watermark/registry.h"

namespace signatory::watermark {

class MemWatermark final : public Watermark {
 public:
  MemWatermark();
  std::string backend_name() const override { return "mem"; }
  tezos::Signature guard(const Slot& slot, std::int32_t level, std::int32_t round,
                         const crypto::Digest32& digest,
                         const std::function<tezos::Signature()>& sign) override;
  std::vector<std::pair<Slot, Mark>> marks() override;
  RaiseResult raise(const Slot& slot, const Mark& mark) override;

 private:
  MarkTable table_;
};

// The registry's factory for `mem` (it takes no options and ignores any given).
std::unique_ptr<Watermark> open_mem_watermark(const std::string& base_dir,
                                              const WatermarkOptions& options);

}  // namespace signatory::watermark
