// Secret buffers on libsodium's guarded heap (see secret_bytes.h). sodium_malloc puts the
// bytes right before a guard page, locks them in RAM where RLIMIT_MEMLOCK allows, excludes them
// from core dumps, and sodium_free wipes them before unmapping.
#include "crypto/secret_bytes.h"

#include <sodium.h>

#include <cstring>
#include <new>
#include <utility>

#include "crypto/sodium_init.h"

namespace signatory::crypto {

namespace {
std::uint8_t* allocate(std::size_t size) {
  if (size == 0) return nullptr;
  ensure_sodium();
  void* p = sodium_malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<std::uint8_t*>(p);
}
}  // namespace

SecretBytes::SecretBytes(std::size_t size) : data_(allocate(size)), size_(size) {
  if (data_ != nullptr) sodium_memzero(data_, size_);
}

SecretBytes::SecretBytes(ByteView bytes) : data_(allocate(bytes.size())), size_(bytes.size()) {
  if (size_ != 0) std::memcpy(data_, bytes.data(), size_);
}

SecretBytes SecretBytes::from_string(std::string_view s) {
  return SecretBytes(as_view(s));
}

SecretBytes::~SecretBytes() {
  release();
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecretBytes::release() {
  if (data_ != nullptr) {
    sodium_memzero(data_, size_);
    sodium_free(data_);  // also wipes, and unlocks
  }
  data_ = nullptr;
  size_ = 0;
}

}  // namespace signatory::crypto
