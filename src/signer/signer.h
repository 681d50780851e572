// The Signer is the only place that knows the order of a sign request (Signatory's Sign in
// pkg/signatory/signatory.go): admit the client (auth/authenticator.h: authenticate, the key
// must be listed in `tezos:`, the key's JWT users) → decode → find the key in the vaults →
// policy → high-water mark → sign. Each stage is a plain function or object of its own module;
// the Signer wires them and logs the outcome. It knows nothing of HTTP.
//
// Keys are found through a cache filled by listing every vault (config order) at start and on
// a cache miss; a vault whose listing fails keeps the keys it listed before and its error is
// reported by health(). Refusals are reported to the SignObserver. Thread-safe: sign(),
// public_key(), prove_possession(), keys() and health() may run concurrently.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "auth/client.h"
#include "common/error.h"
#include "config/config.h"
#include "signer/sign_observer.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"
#include "vault/vault.h"
#include "watermark/core/watermark.h"

namespace signatory::signer {

struct NamedVault {
  std::string config_name;  // the vault's name under `vaults:` (the `vault_name` log field)
  // Shared: a reload (signer_snapshot.h) may keep a vault whose config did not change.
  std::shared_ptr<vault::Vault> vault;
};

// Who is asking, as far as the transport knows (see auth/client.h).
using Client = auth::Client;

// A key as the CLI and the start-up log show it.
struct KeyEntry {
  std::shared_ptr<vault::Key> key;
  std::string vault_type;                     // Vault::type_label() (`File`, `AWSKMS`)
  std::string vault_config_name;              // the vault's name under `vaults:`
  const config::KeyPolicy* policy = nullptr;  // null when the key is not in `tezos:`
};

class Signer {
 public:
  // `config` must outlive the Signer. The watermark store is shared: every snapshot of a
  // reloaded config (signer_snapshot.h) guards with the same one.
  Signer(const config::Config& config, std::vector<NamedVault> vaults,
         std::shared_ptr<watermark::Watermark> watermark, SignObserver* observer = nullptr);

  // Runs the whole pipeline. Throws Error with the code and message of the first failing
  // stage.
  tezos::Signature sign(const tezos::PublicKeyHash& pkh, ByteView message, int version,
                        const Client& client);
  // GET /keys/{pkh}: no policy check, as in Signatory.
  tezos::PublicKey public_key(const tezos::PublicKeyHash& pkh);
  // The BLS proof of possession of a key (GET /bls_prove_possession/{pkh}): the same opening
  // steps as sign() (over an empty message), then the key's `allow_proof_of_possession`.
  tezos::Signature prove_possession(const tezos::PublicKeyHash& pkh, const Client& client);
  // Every key of every vault in config order (lists the vaults again).
  std::vector<KeyEntry> keys();
  // PKHs of the server-level authorized keys (GET /authorized_keys), config order.
  std::vector<tezos::PublicKeyHash> authorized_key_hashes() const;

  // "can sign now": empty when ready, else the reason: a configured vault that could not be
  // opened, a vault whose last listing failed (listed again here, unless a listing is already
  // running), or a watermark store that cannot make a mark durable.
  std::string health();

  const config::Config& config() const { return config_; }
  watermark::Watermark& watermark() { return *watermark_; }

 private:
  struct CachedKey {
    std::shared_ptr<vault::Key> key;
    std::string vault_type;         // Vault::type_label()
    std::string vault_config_name;  // the vault's name under `vaults:`
  };
  std::optional<CachedKey> find_key(const tezos::PublicKeyHash& pkh);
  // find_key, or Error(NotFound) "this key not found in any vault".
  CachedKey require_key(const tezos::PublicKeyHash& pkh);
  // Lists every vault and refreshes the cache. A vault that fails keeps its previously cached
  // keys and its error is recorded (see health()); with `strict` the first error is rethrown
  // after the others were listed.
  std::vector<KeyEntry> list_all(bool strict);
  // Recorded listing errors: "vault `<name>': <error>", config order; empty when none.
  std::string listing_problem();

  const config::Config& config_;
  std::vector<NamedVault> vaults_;
  std::shared_ptr<watermark::Watermark> watermark_;
  SignObserver* observer_;
  auth::Authenticator auth_;
  std::shared_mutex cache_mutex_;
  std::map<tezos::PublicKeyHash, CachedKey> cache_;
  struct ListingError {
    std::string vault_config_name;
    Error error;
  };
  std::vector<ListingError> listing_errors_;  // of the last listing; guarded by cache_mutex_
  std::mutex listing_mutex_;
};

}  // namespace signatory::signer
