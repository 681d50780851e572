// A key held in this process's memory (file and mem vaults): the secret stays in SecretBytes
// inside tezos::SecretKey and is wiped when the key is dropped. Signing is const and
// thread-safe.
#pragma once

#include <optional>
#include <string>

#include "vault/vault.h"

namespace signatory::vault {

class LocalKey : public Key {
 public:
  LocalKey(tezos::SecretKey secret, std::string id) : secret_(std::move(secret)), id_(std::move(id)) {}
  const tezos::PublicKey& public_key() const override { return secret_.public_key(); }
  std::string id() const override { return id_; }
  tezos::Signature sign(ByteView message, int version) override {
    return secret_.sign(message, version);
  }
  // tz4 keys prove possession of their secret; other key types have no proof.
  std::optional<tezos::Signature> prove_possession() override {
    if (secret_.type() != tezos::KeyType::Bls) return std::nullopt;
    return secret_.prove_possession();
  }
  const tezos::SecretKey& secret() const { return secret_; }

 private:
  tezos::SecretKey secret_;
  std::string id_;
};

}  // namespace signatory::vault
