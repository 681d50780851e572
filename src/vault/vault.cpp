// Default implementations of the optional Vault operations (see vault.h).
#include "vault/vault.h"

#include "common/error.h"

namespace signatory::vault {

std::shared_ptr<Key> Vault::import_key(tezos::SecretKey, const std::string&) {
  throw bad_request("vault " + type_label() + " doesn't support import operation");
}

std::shared_ptr<Key> Vault::generate_key(tezos::KeyType, const std::string&) {
  throw bad_request("vault " + type_label() + " doesn't support generate operation");
}

}  // namespace signatory::vault
