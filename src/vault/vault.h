// Vaults hold keys. A `Vault` lists its keys and, where the backend allows, imports or
// generates them; a `Key` knows its public key and signs. Drivers (`file`, `mem`, `awskms`, …)
// register a factory by name in vault/registry.h, so adding a backend touches its own folder
// and one registration line.
//
// Thread safety: `Key::sign` and `Key::public_key` may be called from several threads at once;
// `Vault::list` may be called concurrently with signing. Import/generate are called from the
// CLI only.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "tezos/keys.h"

namespace signatory::vault {

class Key {
 public:
  virtual ~Key() = default;
  virtual const tezos::PublicKey& public_key() const = 0;
  // What `list` prints as ID/Reference: the key name in a file vault, the ARN in KMS.
  virtual std::string id() const = 0;
  // Signs the raw message (magic byte included). `version` is the request's signing version.
  // Throws Error with the status a client should see.
  virtual tezos::Signature sign(ByteView message, int version) = 0;
  // BLS proof of possession; nullopt when the key type or backend cannot.
  virtual std::optional<tezos::Signature> prove_possession() { return std::nullopt; }
};

class Vault {
 public:
  virtual ~Vault() = default;
  // The kind of vault as Signatory shows it: `File`, `Mem`, `AWSKMS` (the CLI's `Vault:` line,
  // the `vault` log field and metrics label). Not the vault's name under `vaults:` in the config
  // (its config name, signer::NamedVault::config_name).
  virtual std::string type_label() const = 0;
  // Every usable key, in the backend's order. A key the backend cannot use is skipped with a
  // warning; a fault of the whole backend throws Error.
  virtual std::vector<std::shared_ptr<Key>> list() = 0;
  // How many calls to this vault's keys may wait on its backend at once (the signer refuses
  // more with 503 naming the vault, see signer/bulkhead.h); 0 for a local vault, whose calls
  // never wait on anything remote and are not bounded.
  virtual std::size_t max_concurrent_calls() const { return 0; }

  virtual bool can_import() const { return false; }
  // Stores the key under `name` (may be empty: the vault picks one). Returns the stored key.
  virtual std::shared_ptr<Key> import_key(tezos::SecretKey /*key*/, const std::string& /*name*/);
  virtual bool can_generate() const { return false; }
  virtual std::shared_ptr<Key> generate_key(tezos::KeyType /*type*/, const std::string& /*name*/);
};

}  // namespace signatory::vault
