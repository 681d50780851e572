// Secret buffers (see secret_bytes.h): small ones from the secret arena, larger ones (or all of
// them once the arena is full) on libsodium's guarded heap. sodium_malloc puts the bytes right
// before a guard page, locks them in RAM where RLIMIT_MEMLOCK allows, excludes them from core
// dumps, and sodium_free wipes them before unmapping.
#include "crypto/secret_bytes.h"

#include <sodium.h>

#include <cstring>
#include <new>
#include <utility>

#include "crypto/secret_arena.h"
#include "crypto/sodium_init.h"

namespace signatory::crypto {

namespace {
// Zeroed bytes for `size` (nullptr for 0); `pooled` tells where they come from.
std::uint8_t* allocate(std::size_t size, bool& pooled) {
  pooled = false;
  if (size == 0) return nullptr;
  if (size <= secret_arena::kMaxSize) {
    if (std::uint8_t* p = secret_arena::allocate(size)) {
      pooled = true;
      return p;
    }
  }
  ensure_sodium();
  void* p = sodium_malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  sodium_memzero(p, size);
  return static_cast<std::uint8_t*>(p);
}
}  // namespace

// pooled_ is declared after data_ (and has a default), so it is set in the body.
SecretBytes::SecretBytes(std::size_t size) : size_(size) {
  bool pooled = false;
  data_ = allocate(size, pooled);
  pooled_ = pooled;
}

SecretBytes::SecretBytes(ByteView bytes) : SecretBytes(bytes.size()) {
  if (size_ != 0) std::memcpy(data_, bytes.data(), size_);
}

SecretBytes SecretBytes::from_string(std::string_view s) {
  return SecretBytes(as_view(s));
}

SecretBytes::~SecretBytes() {
  release();
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      pooled_(std::exchange(other.pooled_, false)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    pooled_ = std::exchange(other.pooled_, false);
  }
  return *this;
}

void SecretBytes::release() {
  if (data_ != nullptr) {
    if (pooled_) {
      secret_arena::release(data_, size_);  // wipes
    } else {
      sodium_memzero(data_, size_);
      sodium_free(data_);  // also wipes, and unlocks
    }
  }
  data_ = nullptr;
  size_ = 0;
  pooled_ = false;
}

}  // namespace signatory::crypto
