// One-time libsodium initialisation. Every crypto entry point that uses libsodium calls
// `ensure_sodium()` first; the first call runs sodium_init() (CPU feature detection, RNG
// setup), later calls cost one atomic load. Thread-safe.
#pragma once

namespace signatory::crypto {

// Throws Error(Internal) if libsodium cannot be initialised.
void ensure_sodium();

}  // namespace signatory::crypto
