// The Signer is the only place that knows the order of a sign request (Signatory's Sign in pkg/signatory/signatory.go):
// authenticate the client → the key must be listed in `tezos:` → decode → find the key in the
// vaults → policy → high-water mark → sign. Each stage is a plain function or object of its own
// module; the Signer wires them and logs the outcome. It knows nothing of HTTP.
//
// Keys are found through a cache filled by listing every vault (config order) at start and on
// a cache miss; a vault whose listing fails keeps the keys it listed before and its error is
// reported by health(). Client authentication (`server.authorized_keys`) accepts the
// `authentication` signature or, without one, a verified client certificate naming an
// authorized key; refusals are reported to the SignObserver. Thread-safe: sign(), public_key(),
// keys() and health() may run concurrently.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "config/config.h"
#include "signer/sign_observer.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"
#include "vault/vault.h"
#include "watermark/core/watermark.h"

namespace signatory::signer {

struct NamedVault {
  std::string config_name;  // the YAML key under `vaults:`
  std::unique_ptr<vault::Vault> vault;
};

// Who is asking, as far as the transport knows.
struct Client {
  std::string address;                        // IP of the peer, for logs and metrics
  std::optional<std::string> authentication;  // the `authentication` query value (base58 sig)
  std::optional<std::string> jwt_user;        // the user of a verified JWT
  // Names of a client certificate verified against `server.tls.client_ca` (subject CN, then
  // DNS and URI subject alternative names). When no `authentication` value is sent, a name
  // equal to the tz… hash of one of `server.authorized_keys` authenticates the request as
  // that key (first match in config order).
  std::vector<std::string> certificate_names;
};

// A key as the CLI and the start-up log show it.
struct KeyEntry {
  std::shared_ptr<vault::Key> key;
  std::string vault_name;                     // display name (`File`, `AWSKMS`)
  std::string vault_config_name;              // YAML name
  const config::KeyPolicy* policy = nullptr;  // null when the key is not in `tezos:`
};

class Signer {
 public:
  Signer(const config::Config& config, std::vector<NamedVault> vaults,
         std::unique_ptr<watermark::Watermark> watermark, SignObserver* observer = nullptr);

  // Runs the whole pipeline. Throws Error with the status and message of the first failing
  // stage.
  tezos::Signature sign(const tezos::PublicKeyHash& pkh, ByteView message, int version,
                        const Client& client);
  // GET /keys/{pkh}: no policy check, as in Signatory.
  tezos::PublicKey public_key(const tezos::PublicKeyHash& pkh);
  // The BLS proof of possession of a key (GET /bls_prove_possession/{pkh}).
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
    std::string vault_name;         // display name
    std::string vault_config_name;  // YAML name
  };
  std::optional<CachedKey> find_key(const tezos::PublicKeyHash& pkh);
  // Lists every vault and refreshes the cache. A vault that fails keeps its previously cached
  // keys and its error is recorded (see health()); with `strict` the first error is rethrown
  // after the others were listed.
  std::vector<KeyEntry> list_all(bool strict);
  // Recorded listing errors: "vault `<name>': <error>", config order; empty when none.
  std::string listing_problem();
  std::optional<tezos::PublicKeyHash> authenticate(const tezos::PublicKeyHash& pkh,
                                                   ByteView message, const Client& client) const;

  const config::Config& config_;
  std::vector<NamedVault> vaults_;
  std::unique_ptr<watermark::Watermark> watermark_;
  SignObserver* observer_;
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
