// One AWS KMS key as a vault::Key: its ARN, its public key (read once by the vault's listing)
// and the client to sign with. `sign` makes exactly one KMS call: Sign with MessageType DIGEST
// and ECDSA_SHA_256 over blake2b-256 of the message; the DER reply becomes r‖s, secp256k1
// signatures are normalised to low-S, and the result is verified against the public key
// before it is returned (Error(UpstreamFailure) if it does not verify). Errors carry the prefix
// "(AWSKMS/<arn>): ".
//
// Immutable after construction; `sign` may be called from several threads at once.
#pragma once

#include <memory>
#include <string>

#include "aws/kms_client.h"
#include "crypto/ecdsa_der.h"
#include "vault/vault.h"

namespace signatory::vault {

class AwsKmsKey : public Key {
 public:
  AwsKmsKey(std::shared_ptr<aws::KmsClient> client, std::string key_id, tezos::PublicKey public_key,
            crypto::Curve curve);

  const tezos::PublicKey& public_key() const override { return public_key_; }
  std::string id() const override { return key_id_; }
  tezos::Signature sign(ByteView message, int version) override;

 private:
  std::shared_ptr<aws::KmsClient> client_;
  std::string key_id_;
  tezos::PublicKey public_key_;
  crypto::Curve curve_;
};

}  // namespace signatory::vault
