// A bound on the requests waiting on one backend (see bulkhead.h).
#include "signer/bulkhead.h"

#include "common/error.h"

namespace signatory::signer {

Bulkhead::Bulkhead(std::string backend, std::size_t limit)
    : backend_(std::move(backend)), limit_(limit == 0 ? 1 : limit) {}

Bulkhead::Pass Bulkhead::enter() {
  std::size_t now = in_use_.load(std::memory_order_relaxed);
  do {
    if (now >= limit_)
      throw unavailable(backend_ + " is busy: " + std::to_string(limit_) +
                        " requests are already waiting for it (the limit); try again later");
  } while (!in_use_.compare_exchange_weak(now, now + 1, std::memory_order_acq_rel,
                                          std::memory_order_relaxed));
  return Pass(this);
}

}  // namespace signatory::signer
