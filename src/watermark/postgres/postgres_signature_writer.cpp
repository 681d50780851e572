// Background storage of signatures for the postgres watermark backend (see
// postgres_signature_writer.h).
#include "watermark/postgres/postgres_signature_writer.h"

#include <algorithm>

#include "common/bytes.h"
#include "common/log.h"
#include "watermark/postgres/postgres_schema.h"

namespace signatory::watermark {
namespace {

constexpr std::size_t kBatch = 256;
constexpr std::chrono::milliseconds kLinger{20};

// `{a,b,c}`: every element is base58, a kind name, hex or an integer, so none needs quoting.
template <typename F>
std::string array_literal(const std::deque<PendingSignature>& batch, F&& element) {
  std::string out = "{";
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i) out += ',';
    out += element(batch[i]);
  }
  out += '}';
  return out;
}

}  // namespace

PgSignatureWriter::PgSignatureWriter(PgPool& pool, std::chrono::milliseconds timeout,
                                     std::atomic<std::uint64_t>& round_trips,
                                     std::atomic<std::uint64_t>& errors, std::size_t capacity)
    : pool_(pool),
      timeout_(timeout),
      round_trips_(round_trips),
      errors_(errors),
      capacity_(capacity),
      thread_([this] { run(); }) {}

PgSignatureWriter::~PgSignatureWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PgSignatureWriter::enqueue(PendingSignature item) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      dropped_++;
    }
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
}

bool PgSignatureWriter::flush(PgClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return done_.wait_until(lock, deadline, [&] { return queue_.empty() && in_flight_ == 0; });
}

std::size_t PgSignatureWriter::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + in_flight_;
}

bool PgSignatureWriter::write(const std::deque<PendingSignature>& batch) {
  const auto deadline = PgClock::now() + timeout_;
  std::optional<PgPool::Lease> lease;
  try {
    lease.emplace(pool_.acquire(deadline));
    std::vector<std::optional<std::string>> params = {
        array_literal(batch, [](const PendingSignature& p) { return p.slot.chain.to_base58(); }),
        array_literal(batch, [](const PendingSignature& p) { return p.slot.pkh.to_base58(); }),
        array_literal(batch,
                      [](const PendingSignature& p) {
                        return std::string(tezos::request_kind_name(p.slot.kind));
                      }),
        array_literal(batch, [](const PendingSignature& p) { return std::to_string(p.level); }),
        array_literal(batch, [](const PendingSignature& p) { return std::to_string(p.round); }),
        array_literal(batch, [](const PendingSignature& p) { return to_hex(p.digest); }),
        array_literal(batch, [](const PendingSignature& p) { return p.signature.to_base58(); }),
    };
    round_trips_++;
    (**lease).exec_prepared(kPgStoreSignatures, params, deadline);
    return true;
  } catch (const PgFailure& e) {
    errors_++;
    if (lease && e.connection_unusable()) lease->discard();
    log::debug("Watermark signatures not stored yet; will retry",
               {{"error", e.what()}, {"count", std::to_string(batch.size())}});
    return false;
  }
}

void PgSignatureWriter::run() {
  std::chrono::milliseconds pause{0};
  std::unique_lock lock(mutex_);
  for (;;) {
    if (pause.count() > 0 && !stopping_) {
      wake_.wait_for(lock, pause, [&] { return stopping_; });
    }
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    // Let a batch gather: fewer, larger writes, off the CPU and WAL the requests need.
    wake_.wait_for(lock, kLinger, [&] { return stopping_ || queue_.size() >= kBatch; });
    std::deque<PendingSignature> batch;
    while (!queue_.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    in_flight_ = batch.size();
    const bool last_try = stopping_;
    lock.unlock();
    const bool ok = write(batch);
    lock.lock();
    in_flight_ = 0;
    if (ok) {
      pause = std::chrono::milliseconds(0);
    } else if (last_try) {
      dropped_ += batch.size() + queue_.size();
      queue_.clear();
    } else {
      // Back to the front, oldest dropped if the queue filled up meanwhile.
      while (!batch.empty()) {
        if (queue_.size() >= capacity_) {
          dropped_++;
        } else {
          queue_.push_front(std::move(batch.back()));
        }
        batch.pop_back();
      }
      pause =
          std::clamp(pause * 2, std::chrono::milliseconds(100), std::chrono::milliseconds(2000));
    }
    done_.notify_all();
  }
}

}  // namespace signatory::watermark
