// A byte buffer for secret material (secret keys, passwords, derived keys). Its memory is
// locked where the OS allows, excluded from core dumps and wiped with sodium_memzero when the
// buffer is destroyed or reassigned (buffers of up to 256 bytes come from secret_arena.h,
// larger ones from sodium_malloc); it has no operator<< and no to_string, so it cannot end up
// in a log by accident. Move-only. Not synchronised: one owner at a time, or const access from
// several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/bytes.h"

namespace signatory::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);
  SecretBytes(ByteView bytes);             // copies
  static SecretBytes from_string(std::string_view s);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView view() const { return {data_, size_}; }
  std::span<std::uint8_t> span() { return {data_, size_}; }
  SecretBytes clone() const { return SecretBytes(view()); }
  std::string_view as_string() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  void release();
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool pooled_ = false;  // from secret_arena (else sodium_malloc)
};

}  // namespace signatory::crypto
