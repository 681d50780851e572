// The arena of small secret buffers (see secret_arena.h).
#include "crypto/secret_arena.h"

#include <sodium.h>

#include <array>
#include <cstring>
#include <mutex>
#include <vector>

#include "crypto/sodium_init.h"

namespace signatory::crypto::secret_arena {
namespace {

constexpr std::array<std::size_t, 4> kClassSizes = {32, 64, 128, 256};

std::size_t class_of(std::size_t size) {
  for (std::size_t c = 0; c < kClassSizes.size(); ++c)
    if (size <= kClassSizes[c]) return c;
  return kClassSizes.size();
}

struct Arena {
  std::mutex mutex;
  std::array<std::vector<std::uint8_t*>, kClassSizes.size()> free;  // zeroed slots
  std::size_t chunks = 0;
  std::size_t in_use = 0;
};

// Never destroyed: SecretBytes in static storage may be released after main returns.
Arena& arena() {
  static Arena* a = new Arena;
  return *a;
}

// Cuts a new chunk into slots of class `c`; false when no chunk can be had.
bool grow(Arena& a, std::size_t c) {
  if (a.chunks >= kMaxChunks) return false;
  ensure_sodium();
  auto* chunk = static_cast<std::uint8_t*>(sodium_malloc(kChunkSize));
  if (chunk == nullptr) return false;
  sodium_memzero(chunk, kChunkSize);
  ++a.chunks;
  const std::size_t slot = kClassSizes[c];
  a.free[c].reserve(a.free[c].size() + kChunkSize / slot);
  for (std::size_t off = 0; off + slot <= kChunkSize; off += slot) a.free[c].push_back(chunk + off);
  return true;
}

}  // namespace

std::uint8_t* allocate(std::size_t size) {
  const std::size_t c = class_of(size);
  if (size == 0 || c == kClassSizes.size()) return nullptr;
  Arena& a = arena();
  std::lock_guard lock(a.mutex);
  if (a.free[c].empty() && !grow(a, c)) return nullptr;
  std::uint8_t* p = a.free[c].back();
  a.free[c].pop_back();
  ++a.in_use;
  return p;
}

void release(std::uint8_t* p, std::size_t size) {
  if (p == nullptr) return;
  const std::size_t c = class_of(size);
  sodium_memzero(p, kClassSizes[c]);
  Arena& a = arena();
  std::lock_guard lock(a.mutex);
  a.free[c].push_back(p);  // capacity reserved when the chunk was cut: no allocation here
  --a.in_use;
}

std::size_t slots_in_use() {
  Arena& a = arena();
  std::lock_guard lock(a.mutex);
  return a.in_use;
}

}  // namespace signatory::crypto::secret_arena
