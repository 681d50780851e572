// The `config:` node of an `awskms` vault, read into what the KMS client needs: region,
// endpoint, credentials (through the static credential chain of aws/credentials.h), CA file,
// timeouts and retry count. See awskms_vault.h for the keys and their fallbacks. Unknown keys
// give a warning; `user_name` (required by Signatory ≤ v1.0) is accepted and ignored.
// Pure apart from reading the environment and the AWS shared files; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>

#include "aws/credentials.h"
#include "aws/curl_transport.h"
#include "aws/kms_client.h"
#include "config/config.h"

namespace signatory::vault {

// How the vault itself behaves, apart from the client.
struct AwsKmsVaultOptions {
  // Calls to the vault's keys that may wait on KMS at once (`max_concurrent_calls`, 1..256);
  // more are refused with 503 naming the vault (signer/bulkhead.h).
  std::size_t max_concurrent_calls = 32;
  // GetPublicKey calls in flight at once while listing.
  std::size_t listing_parallelism = 16;
  // No GetPublicKey is started after this much of a listing has passed: the keys left are
  // described by the next listing (which a request for one of them asks for), so start-up
  // with thousands of keys takes a bounded time.
  std::chrono::milliseconds listing_budget{10 * 1000};
  // How long a key whose GetPublicKey said it cannot be used (disabled, not found, no
  // access) is remembered as unusable: not asked again, not warned about again.
  std::chrono::milliseconds unusable_retry{10 * 60 * 1000};
};

struct AwsKmsSettings {
  AwsKmsVaultOptions vault;
  aws::KmsClientOptions client;
  aws::CurlTransportOptions transport;
  aws::Credentials credentials;
};

// Throws Error(BadRequest) "<file>:<line>: vaults.<name>.config.<key>: <reason>" (or, for a missing
// region or credentials, "<file>:<line>: vaults.<name>: <reason>").
AwsKmsSettings load_awskms_settings(const config::VaultConfig& cfg,
                                    const aws::EnvironmentReader& env);

}  // namespace signatory::vault
