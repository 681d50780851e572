// Tests of the secret arena: slots are zeroed, wiped on release and reused, classes do not mix,
// sizes outside the arena are refused, and SecretBytes takes its small buffers from it.
#include "crypto/secret_arena.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

#include "crypto/secret_bytes.h"

namespace signatory::crypto {
namespace {

TEST(SecretArena, SlotsAreZeroedWipedAndReused) {
  std::uint8_t* p = secret_arena::allocate(40);
  ASSERT_NE(p, nullptr);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(p[i], 0) << i;  // the whole 64-byte slot
  std::memset(p, 0xAB, 40);
  secret_arena::release(p, 40);
  // The slot just released is the next one of its class handed out (LIFO), wiped.
  std::uint8_t* q = secret_arena::allocate(33);
  ASSERT_EQ(q, p);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(q[i], 0) << i;
  secret_arena::release(q, 33);
}

TEST(SecretArena, RefusesSizesItDoesNotServe) {
  EXPECT_EQ(secret_arena::allocate(0), nullptr);
  EXPECT_EQ(secret_arena::allocate(secret_arena::kMaxSize + 1), nullptr);
}

TEST(SecretArena, DistinctSlotsWhileHeld) {
  const std::size_t before = secret_arena::slots_in_use();
  std::vector<std::uint8_t*> held;
  std::set<std::uint8_t*> seen;
  // More than one chunk's worth of 256-byte slots.
  for (std::size_t i = 0; i < 2 * secret_arena::kChunkSize / 256 + 3; ++i) {
    std::uint8_t* p = secret_arena::allocate(256);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(seen.insert(p).second);
    std::memset(p, static_cast<int>(i), 256);
    held.push_back(p);
  }
  // Neighbouring slots do not overlap: each still holds its own pattern.
  for (std::size_t i = 0; i < held.size(); ++i)
    for (std::size_t k = 0; k < 256; ++k) ASSERT_EQ(held[i][k], static_cast<std::uint8_t>(i));
  EXPECT_EQ(secret_arena::slots_in_use(), before + held.size());
  for (auto* p : held) secret_arena::release(p, 256);
  EXPECT_EQ(secret_arena::slots_in_use(), before);
}

TEST(SecretArena, SecretBytesUsesItForSmallBuffersOnly) {
  const std::size_t before = secret_arena::slots_in_use();
  {
    SecretBytes small(Bytes(32, 7));
    EXPECT_EQ(secret_arena::slots_in_use(), before + 1);
    SecretBytes moved(std::move(small));
    EXPECT_EQ(secret_arena::slots_in_use(), before + 1);
    SecretBytes large(secret_arena::kMaxSize + 1);
    EXPECT_EQ(secret_arena::slots_in_use(), before + 1);
    ASSERT_EQ(moved.size(), 32u);
    for (auto b : moved.view()) EXPECT_EQ(b, 7);
  }
  EXPECT_EQ(secret_arena::slots_in_use(), before);
}

}  // namespace
}  // namespace signatory::crypto
