// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every record of the
// file watermark log (see docs/watermark-format.md). It detects torn and corrupted records; it
// is not a cryptographic hash. Pure; thread-safe.
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace signatory::watermark {

// CRC-32C of `data` (initial value and final xor 0xFFFFFFFF, as in iSCSI and ext4).
std::uint32_t crc32c(ByteView data);

}  // namespace signatory::watermark
