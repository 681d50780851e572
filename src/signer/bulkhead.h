// A bulkhead: a bound on how many requests may wait on one slow backend (a remote vault, a
// remote watermark store) at the same time. A request that finds it full is refused at once
// with Error(Unavailable) naming the backend, instead of queueing behind the others: a hung
// backend then holds at most `limit` request threads, and the server runs that many threads
// more than its base pool (Signer::blocking_call_budget()), so requests for other backends keep
// their threads and their latency. Entering costs one atomic increment; there is no thread hop.
//
// Thread-safe: enter() may be called from any thread; a Pass may be destroyed on any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

namespace signatory::signer {

class Bulkhead {
 public:
  // `backend` names the backend in errors, e.g. "vault `kms' (AWSKMS)"; `limit` ≥ 1.
  Bulkhead(std::string backend, std::size_t limit);

  // Held while a request uses the backend; leaving the scope frees the place.
  class Pass {
   public:
    explicit Pass(Bulkhead* owner) : owner_(owner) {}
    Pass(Pass&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    Pass& operator=(Pass&&) = delete;
    ~Pass() {
      if (owner_) owner_->in_use_.fetch_sub(1, std::memory_order_acq_rel);
    }

   private:
    Bulkhead* owner_;
  };

  // A place, or Error(Unavailable) "<backend> is busy: <limit> requests are already waiting
  // for it (the limit); try again later" when all are taken.
  Pass enter();

  const std::string& backend() const { return backend_; }
  std::size_t limit() const { return limit_; }
  std::size_t in_use() const { return in_use_.load(std::memory_order_acquire); }

 private:
  const std::string backend_;
  const std::size_t limit_;
  std::atomic<std::size_t> in_use_{0};
};

}  // namespace signatory::signer
