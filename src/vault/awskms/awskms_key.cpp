// Signing with one AWS KMS key (see awskms_key.h).
#include "vault/awskms/awskms_key.h"

#include "common/error.h"
#include "crypto/blake2b.h"

namespace signatory::vault {

AwsKmsKey::AwsKmsKey(std::shared_ptr<aws::KmsClient> client, std::string key_id,
                     tezos::PublicKey public_key, crypto::Curve curve)
    : client_(std::move(client)),
      key_id_(std::move(key_id)),
      public_key_(std::move(public_key)),
      curve_(curve) {}

tezos::Signature AwsKmsKey::sign(ByteView message, int /*version*/) {
  const std::string prefix = "(AWSKMS/" + key_id_ + "): ";
  try {
    crypto::Digest32 digest = crypto::blake2b_256(message);
    Bytes der = client_->sign_digest(key_id_, digest);
    crypto::RawEcdsaSignature raw = crypto::der_to_raw(der);
    if (curve_ == crypto::Curve::Secp256k1) crypto::normalize_low_s(curve_, raw);
    tezos::Signature signature(tezos::Signature::form_of(public_key_.type()),
                               Bytes(raw.begin(), raw.end()));
    if (!public_key_.verify(message, signature)) {
      throw upstream_failure(
          "the signature AWS KMS returned does not verify against the key's "
          "public key " +
          public_key_.to_base58());
    }
    return signature;
  } catch (const Error& e) {
    throw Error(e.code(), prefix + e.what());
  }
}

}  // namespace signatory::vault
