// The Signer is the only place that knows the order of a sign request (Signatory's Sign in
// pkg/signatory/signatory.go): admit the client (auth/authenticator.h: authenticate, the key
// must be listed in `tezos:`, the key's JWT users) → decode → find the key in the vaults →
// policy → high-water mark → sign. Each stage is a plain function or object of its own module;
// the Signer wires them and logs the outcome. It knows nothing of HTTP.
//
// Keys are found through the KeyDirectory (key_directory.h): a cache filled by listing every
// vault (config order), refreshed in the background, never by the request that missed. A
// call to a key of a remote vault holds a place in that vault's Bulkhead, and a consensus
// request on a remote watermark store a place in the store's: a backend that hangs holds at
// most its limit of request threads and answers 503 naming itself beyond it, while requests
// for other backends keep their latency (the server runs blocking_call_budget() threads more
// than its base pool). Refusals are reported to the SignObserver. Thread-safe: sign(),
// public_key(), prove_possession(), keys() and health() may run concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "auth/client.h"
#include "common/error.h"
#include "config/config.h"
#include "signer/bulkhead.h"
#include "signer/key_directory.h"
#include "signer/sign_observer.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"
#include "vault/vault.h"
#include "watermark/core/watermark.h"

namespace signatory::signer {

// Who is asking, as far as the transport knows (see auth/client.h).
using Client = auth::Client;

class Signer {
 public:
  // `config` must outlive the Signer. The watermark store is shared: every snapshot of a
  // reloaded config (signer_snapshot.h) guards with the same one.
  Signer(const config::Config& config, std::vector<NamedVault> vaults,
         std::shared_ptr<watermark::Watermark> watermark, SignObserver* observer = nullptr,
         KeyDirectoryOptions directory = {});

  // Runs the whole pipeline. Throws Error with the code and message of the first failing
  // stage.
  tezos::Signature sign(const tezos::PublicKeyHash& pkh, ByteView message, int version,
                        const Client& client);
  // GET /keys/{pkh}: no policy check, as in Signatory.
  tezos::PublicKey public_key(const tezos::PublicKeyHash& pkh);
  // The BLS proof of possession of a key (GET /bls_prove_possession/{pkh}): the same opening
  // steps as sign() (over an empty message), then the key's `allow_proof_of_possession`.
  tezos::Signature prove_possession(const tezos::PublicKeyHash& pkh, const Client& client);
  // Every key of every vault in config order (lists the vaults again, on this thread).
  std::vector<KeyEntry> keys();
  // How many request threads remote backends (vaults, the watermark store) may hold at once:
  // the server adds that many threads to its base pool.
  std::size_t blocking_call_budget() const;
  KeyDirectory& key_directory() { return directory_; }
  // PKHs of the server-level authorized keys (GET /authorized_keys), config order.
  std::vector<tezos::PublicKeyHash> authorized_key_hashes() const;

  // "can sign now": empty when ready, else the reason: a configured vault that could not be
  // opened, a vault whose last listing failed (a new listing is asked for in the background;
  // the probe never waits on a vault), or a watermark store that cannot make a mark durable.
  std::string health();

  const config::Config& config() const { return config_; }
  watermark::Watermark& watermark() { return *watermark_; }

 private:
  // The key, or Error(NotFound) "this key not found in any vault".
  FoundKey require_key(const tezos::PublicKeyHash& pkh);

  const config::Config& config_;
  KeyDirectory directory_;
  std::shared_ptr<watermark::Watermark> watermark_;
  std::unique_ptr<Bulkhead> store_bulkhead_;  // null for a local store
  SignObserver* observer_;
  auth::Authenticator auth_;
};

}  // namespace signatory::signer
