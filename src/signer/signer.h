// The Signer is the only place that knows the order of a sign request (reference §1.3):
// authenticate the client → the key must be listed in `tezos:` → decode → find the key in the
// vaults → policy → high-water mark → sign. Each stage is a plain function or object of its own
// module; the Signer wires them and logs the outcome. It knows nothing of HTTP.
//
// Keys are found through a cache filled by listing every vault (config order) at start and on
// a cache miss. Thread-safe: sign(), public_key() and keys() may run concurrently.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "signer/sign_observer.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"
#include "vault/vault.h"
#include "watermark/watermark.h"

namespace signatory::signer {

struct NamedVault {
  std::string config_name;  // the YAML key under `vaults:`
  std::unique_ptr<vault::Vault> vault;
};

// Who is asking, as far as the transport knows.
struct Client {
  std::string address;                            // IP of the peer, for logs
  std::optional<std::string> authentication;      // the `authentication` query value (base58 sig)
  std::optional<std::string> jwt_user;            // set by the JWT layer when it lands
};

// A key as the CLI and the start-up log show it.
struct KeyEntry {
  std::shared_ptr<vault::Key> key;
  std::string vault_name;         // display name (`File`, `AWSKMS`)
  std::string vault_config_name;  // YAML name
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

  // "can sign now": empty when ready, else the reason.
  std::string health();

  const config::Config& config() const { return config_; }
  watermark::Watermark& watermark() { return *watermark_; }

 private:
  struct CachedKey {
    std::shared_ptr<vault::Key> key;
    std::string vault_name;
  };
  std::optional<CachedKey> find_key(const tezos::PublicKeyHash& pkh);
  std::vector<KeyEntry> list_all();
  std::optional<tezos::PublicKeyHash> authenticate(const tezos::PublicKeyHash& pkh,
                                                   ByteView message, const Client& client) const;

  const config::Config& config_;
  std::vector<NamedVault> vaults_;
  std::unique_ptr<watermark::Watermark> watermark_;
  SignObserver* observer_;
  std::shared_mutex cache_mutex_;
  std::map<tezos::PublicKeyHash, CachedKey> cache_;
  std::mutex listing_mutex_;
};

}  // namespace signatory::signer
