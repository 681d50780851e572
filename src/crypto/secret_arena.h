// Where small secret buffers live: a few pages taken once from libsodium's guarded heap
// (locked in RAM where RLIMIT_MEMLOCK allows, excluded from core dumps, guard pages around
// each 16 KiB chunk) and cut into slots of 32, 64, 128 or 256 bytes that are wiped when given
// back and then reused. A slot costs a lock and a pointer pop instead of sodium_malloc's
// mmap, mprotects, mlock and munmap (whose TLB shoot-down interrupts every core): hot paths
// such as SigV4's chain of HMAC keys make several short-lived secrets per request.
// The price, as with OpenSSL's secure heap: slots of one chunk are neighbours, without a guard
// page between them. At most kMaxChunks chunks are ever taken; past them allocate() returns
// nullptr and the caller uses sodium_malloc. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace signatory::crypto::secret_arena {

inline constexpr std::size_t kMaxSize = 256;      // larger buffers are not served here
inline constexpr std::size_t kChunkSize = 16384;  // one sodium_malloc per chunk
inline constexpr std::size_t kMaxChunks = 64;     // 1 MiB at most

// A zeroed slot of at least `size` bytes (1 ≤ size ≤ kMaxSize); nullptr when every chunk is in
// use or the guarded heap cannot give another one.
std::uint8_t* allocate(std::size_t size);

// Wipes the slot and makes it available again. `p` and `size` must be those of one allocate()
// call.
void release(std::uint8_t* p, std::size_t size);

// Slots handed out and not released (for tests).
std::size_t slots_in_use();

}  // namespace signatory::crypto::secret_arena
