// Stores the signatures of accepted postgres marks off the request path. The mark itself
// (level, round, digest) is committed before signing — that is what prevents double signing
// — so the signature is stored only to answer a repeated identical request with the same
// signature. Until it lands, such a request is signed again (same bytes: not a double
// sign). Writing it in the background keeps an accepted request at one round trip.
//
// One thread drains a bounded queue (oldest dropped past `capacity`) in batches of up to 256
// with one UPDATE each, gathered for up to 20 ms so that the writes stay few and off the
// requests' way; a failed batch is retried with a growing pause (the database may be down).
// The destructor makes one last bounded attempt, then stops. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "watermark/core/watermark.h"
#include "watermark/postgres/postgres_pool.h"

namespace signatory::watermark {

struct PendingSignature {
  Slot slot;
  std::int32_t level = 0;
  std::int32_t round = 0;
  crypto::Digest32 digest{};
  tezos::Signature signature;
};

class PgSignatureWriter {
 public:
  PgSignatureWriter(PgPool& pool, std::chrono::milliseconds timeout,
                    std::atomic<std::uint64_t>& round_trips, std::atomic<std::uint64_t>& errors,
                    std::size_t capacity = 10000);
  ~PgSignatureWriter();
  PgSignatureWriter(const PgSignatureWriter&) = delete;
  PgSignatureWriter& operator=(const PgSignatureWriter&) = delete;

  void enqueue(PendingSignature item);
  // Waits until everything queued so far is written (or dropped); false at the deadline.
  bool flush(PgClock::time_point deadline);
  std::size_t pending() const;
  std::uint64_t dropped() const { return dropped_; }

 private:
  void run();
  bool write(const std::deque<PendingSignature>& batch);

  PgPool& pool_;
  const std::chrono::milliseconds timeout_;
  std::atomic<std::uint64_t>& round_trips_;
  std::atomic<std::uint64_t>& errors_;
  const std::size_t capacity_;
  std::atomic<std::uint64_t> dropped_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::deque<PendingSignature> queue_;
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace signatory::watermark
