// BLS12-381 placeholder: every operation reports that tz4 is not supported yet (see
// bls12_381.h).
#include "crypto/bls12_381.h"

#include "common/error.h"

namespace signatory::crypto::bls12_381 {

bool is_supported() {
  return false;
}

PublicKey public_from_secret(const SecretBytes&) {
  throw bad_request(kUnsupported);
}

Signature sign(const SecretBytes&, ByteView, int) {
  throw bad_request(kUnsupported);
}

bool verify(ByteView, ByteView, ByteView) {
  throw bad_request(kUnsupported);
}

}  // namespace signatory::crypto::bls12_381
