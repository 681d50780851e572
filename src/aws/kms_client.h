// A client for the four AWS KMS operations the signer uses (ListKeys, GetPublicKey, Sign, and
// nothing else), speaking AWS JSON 1.1: `POST <endpoint path>` with
// `X-Amz-Target: TrentService.<Op>`, `Content-Type: application/x-amz-json-1.1`, a JSON body and
// a SigV4 signature (service `kms`, region from the options).
//
// Each call makes at most `max_attempts` attempts: only throttling replies, HTTP 429/5xx and
// transport failures are retried, after a jittered exponential pause (full jitter between 0 and
// min(cap, base·2^attempt)). An error reply throws KmsError (see kms_error.h); a transport
// failure that outlives the retries throws Error(UpstreamTimeout) for a timeout and
// Error(Unavailable) otherwise; a reply that is not the JSON expected throws
// Error(UpstreamFailure). Messages name the operation and the endpoint host, never a secret.
//
// Thread-safe: calls may be made from several threads at once (the transport must allow it;
// the credentials are read-only).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/http_transport.h"
#include "common/bytes.h"
#include "crypto/blake2b.h"

namespace signatory::aws {

struct KmsClientOptions {
  std::string region;
  Endpoint endpoint;
  int max_attempts = 3;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{2000};
  // Injected for tests: the signing time and the pause between attempts.
  std::function<std::chrono::system_clock::time_point()> clock;
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct KmsKeyListEntry {
  std::string key_id;
  std::string key_arn;
};

struct KmsKeyListPage {
  std::vector<KmsKeyListEntry> keys;
  std::optional<std::string> next_marker;  // set only while the listing is truncated
};

struct KmsPublicKey {
  std::string key_id;     // the key ARN on real KMS (moto: the bare id)
  Bytes spki;             // DER SubjectPublicKeyInfo
  std::string key_spec;   // KeySpec, else the deprecated CustomerMasterKeySpec; may be empty
  std::string key_usage;  // SIGN_VERIFY, ENCRYPT_DECRYPT, …
};

class KmsClient {
 public:
  KmsClient(KmsClientOptions options, Credentials credentials,
            std::shared_ptr<HttpTransport> transport);

  KmsKeyListPage list_keys(const std::optional<std::string>& marker);
  // Follows NextMarker until the listing is complete. Throws Error(UpstreamFailure) if KMS keeps
  // answering with a marker it already sent (a loop) or pages past a sanity limit.
  std::vector<KmsKeyListEntry> list_all_keys();
  KmsPublicKey get_public_key(const std::string& key_id);
  // Sign with MessageType DIGEST and ECDSA_SHA_256; returns the DER signature KMS sent.
  Bytes sign_digest(const std::string& key_id, const crypto::Digest32& digest);

  const std::string& region() const { return options_.region; }
  const Endpoint& endpoint() const { return options_.endpoint; }
  const std::string& credentials_source() const { return credentials_.source; }

  // One signed call with retries; returns the parsed JSON reply (always an object).
  nlohmann::json call(const std::string& operation, const nlohmann::json& body);

 private:
  KmsClientOptions options_;
  Credentials credentials_;
  std::shared_ptr<HttpTransport> transport_;
};

}  // namespace signatory::aws
