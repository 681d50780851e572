// The `config:` node of an `awskms` vault, read into what the KMS client needs: region,
// endpoint, credentials (through the static credential chain of aws/credentials.h), CA file,
// timeouts and retry count. See awskms_vault.h for the keys and their fallbacks. Unknown keys
// give a warning; `user_name` (required by Signatory ≤ v1.0) is accepted and ignored.
// Pure apart from reading the environment and the AWS shared files; thread-safe.
#pragma once

#include "aws/credentials.h"
#include "aws/curl_transport.h"
#include "aws/kms_client.h"
#include "config/config.h"

namespace signatory::vault {

struct AwsKmsSettings {
  aws::KmsClientOptions client;
  aws::CurlTransportOptions transport;
  aws::Credentials credentials;
};

// Throws Error(BadRequest) "<file>:<line>: vaults.<name>.config.<key>: <reason>" (or, for a missing
// region or credentials, "<file>:<line>: vaults.<name>: <reason>").
AwsKmsSettings load_awskms_settings(const config::VaultConfig& cfg,
                                    const aws::EnvironmentReader& env);

}  // namespace signatory::vault
