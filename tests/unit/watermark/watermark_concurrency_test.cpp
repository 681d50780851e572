// Concurrency of `guard`, for both backends: Signatory's integration case (ten requests at
// once, five with payload A and five with payload B at the same level and round → exactly one
// payload is signed, its five requests all get the same signature, the other five get 409),
// and different slots proceeding while one slot is busy signing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <thread>

#include "watermark_test_support.h"

namespace signatory::watermark {
namespace {

using namespace testing;
using namespace std::chrono_literals;

class GuardConcurrency : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { backend_ = make_backend(GetParam()); }
  Watermark& store() { return *backend_.store; }
  Backend backend_;
};

TEST_P(GuardConcurrency, TenRequestsTwoPayloadsOneWins) {
  // A1/A2 of Signatory's watermark test: a double bake at level 2 round 0. Other payloads of
  // the vectors stand in for later rounds.
  const Request a = request("block_signatory_A1");
  const Request b = request("block_mainnet_12180922_shape");
  ASSERT_NE(a.digest, b.digest);
  for (int iteration = 0; iteration < 5; ++iteration) {
    SCOPED_TRACE(iteration);
    const Slot slot = a.slot(delegate(0));
    const std::int32_t level = a.level + iteration;  // a fresh level each time
    std::atomic<int> signed_a{0}, signed_b{0};
    std::latch start(10);
    std::vector<std::optional<tezos::Signature>> results(10);
    std::vector<std::optional<ErrorCode>> statuses(10);
    std::vector<std::thread> threads;
    for (int i = 0; i < 10; ++i) {
      threads.emplace_back([&, i] {
        const bool is_a = i % 2 == 0;
        start.arrive_and_wait();
        try {
          results[i] = store().guard(slot, level, 0, is_a ? a.digest : b.digest, [&] {
            (is_a ? signed_a : signed_b)++;
            std::this_thread::sleep_for(5ms);  // let the others pile up on the slot
            return signature(is_a ? 0xAA : 0xBB);
          });
        } catch (const Error& e) {
          statuses[i] = e.code();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(signed_a + signed_b, 1);  // one payload, signed once
    const bool a_won = signed_a == 1;
    int ok = 0, conflicts = 0;
    for (int i = 0; i < 10; ++i) {
      const bool is_a = i % 2 == 0;
      if (is_a == a_won) {
        ASSERT_TRUE(results[i]) << "request " << i << " error "
                                << ::testing::PrintToString(statuses[i]);
        EXPECT_EQ(*results[i], signature(a_won ? 0xAA : 0xBB));
        ++ok;
      } else {
        EXPECT_FALSE(results[i]);
        EXPECT_EQ(statuses[i], ErrorCode::Conflict);
        ++conflicts;
      }
    }
    EXPECT_EQ(ok, 5);
    EXPECT_EQ(conflicts, 5);
  }
}

TEST_P(GuardConcurrency, OtherSlotsProceedWhileOneSlotIsSigning) {
  const Request r = request("attestation_mainnet_r0");
  std::promise<void> other_done;
  std::shared_future<void> other_done_f = other_done.get_future().share();
  std::promise<void> busy_signing;
  auto busy = std::async(std::launch::async, [&] {
    return store().guard(r.slot(delegate(0)), r.level, r.round, r.digest, [&] {
      busy_signing.set_value();
      // Blocks until the other slot finished: would time out if slots shared one lock.
      if (other_done_f.wait_for(20s) != std::future_status::ready) {
        throw internal_error("other slot did not proceed in parallel");
      }
      return signature(1);
    });
  });
  ASSERT_EQ(busy_signing.get_future().wait_for(20s), std::future_status::ready);
  CountingSigner s{signature(2)};
  EXPECT_EQ(store().guard(r.slot(delegate(1)), r.level, r.round, r.digest, s.fn()), signature(2));
  Slot pre = r.slot(delegate(0));
  pre.kind = tezos::RequestKind::Preattestation;
  EXPECT_EQ(store().guard(pre, r.level, r.round, r.digest, s.fn()), signature(2));
  other_done.set_value();
  EXPECT_EQ(busy.get(), signature(1));
}

TEST_P(GuardConcurrency, ManySlotsManyThreadsStayConsistent) {
  const Request base = request("preattestation_mainnet_r0");
  constexpr int kThreads = 8, kPerThread = 40;
  std::atomic<int> signs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Two threads share each slot; both walk the same levels.
        const Slot slot = base.slot(delegate(static_cast<std::size_t>(t / 2)));
        crypto::Digest32 d = base.digest;
        d[0] = static_cast<std::uint8_t>(i);
        try {
          store().guard(slot, base.level + i, 0, d, [&] {
            ++signs;
            return signature(static_cast<std::uint8_t>(i));
          });
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::Conflict);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  // Same digest per level in both threads of a slot: each level is signed exactly once.
  EXPECT_EQ(signs, kThreads / 2 * kPerThread);
  for (const auto& [slot, mark] : store().marks())
    EXPECT_EQ(mark.level, base.level + kPerThread - 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, GuardConcurrency, ::testing::Values("mem", "file"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace signatory::watermark
